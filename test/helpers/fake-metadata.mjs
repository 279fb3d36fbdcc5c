// Local stand-ins for the ECS task metadata endpoint v4 and IMDSv2, served over real HTTP.
import { createServer } from 'node:http';

function listen(handler) {
  const sockets = new Set();
  const server = createServer(handler);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        hits: [],
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A v4 `/task` document as ECS serves it; `taskArn` picks the short or long ARN form. */
export function ecsTaskDocument(taskArn, launchType = 'FARGATE') {
  return {
    Cluster: 'arn:aws:ecs:eu-central-1:111122223333:cluster/default',
    TaskARN: taskArn,
    Family: 'seller-app',
    Revision: '7',
    DesiredStatus: 'RUNNING',
    KnownStatus: 'RUNNING',
    Limits: { CPU: 0.25, Memory: 512 },
    PullStartedAt: '2026-11-22T04:00:00.000Z',
    PullStoppedAt: '2026-11-22T04:00:02.000Z',
    AvailabilityZone: 'eu-central-1a',
    LaunchType: launchType,
    Containers: [{ DockerId: 'abc', Name: 'metering-gate', Image: 'metering-gate:test', KnownStatus: 'RUNNING', Type: 'NORMAL' }],
  };
}

/** behaviour: 'ok' | 'garbage' | 'hang' */
export async function startEcsMetadata({ taskArn, launchType = 'FARGATE', behaviour = 'ok' } = {}) {
  let fake;
  fake = await listen((request, response) => {
    fake.hits.push(request.url);
    if (behaviour === 'hang') return;
    if (request.url !== '/v4/abc-123/task') {
      response.writeHead(404).end();
      return;
    }
    if (behaviour === 'garbage') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('<html>not json');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ecsTaskDocument(taskArn, launchType)));
  });
  fake.metadataUri = `${fake.url}/v4/abc-123`;
  return fake;
}

/**
 * IMDSv2: the region is only given with a token from PUT /latest/api/token.
 * behaviour: 'ok' | 'token-hangs' (the hop-limit symptom: the PUT is taken but never answered)
 */
export async function startImds({ region = 'ap-southeast-2', behaviour = 'ok' } = {}) {
  const token = 'imds-test-token-42';
  let fake;
  fake = await listen((request, response) => {
    fake.hits.push(`${request.method} ${request.url}`);
    if (request.method === 'PUT' && request.url === '/latest/api/token') {
      if (behaviour === 'token-hangs') return;
      if (!request.headers['x-aws-ec2-metadata-token-ttl-seconds']) return response.writeHead(400).end();
      return response.writeHead(200).end(token);
    }
    if (request.method === 'GET' && request.url === '/latest/meta-data/placement/region') {
      if (request.headers['x-aws-ec2-metadata-token'] !== token) return response.writeHead(401).end();
      return response.writeHead(200).end(region);
    }
    response.writeHead(404).end();
  });
  return fake;
}
