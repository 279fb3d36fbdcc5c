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
 * IMDSv2: the region (and, given `credentials`, an instance role's credentials) only with a
 * token from PUT /latest/api/token.
 * behaviour: 'ok' | 'token-hangs' (the hop-limit symptom: the PUT is taken but never answered)
 */
export async function startImds({ region = 'ap-southeast-2', behaviour = 'ok', credentials = null, roleName = 'seller-node-role' } = {}) {
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
    const rolePath = '/latest/meta-data/iam/security-credentials/';
    if (credentials && request.method === 'GET' && request.url.startsWith(rolePath)) {
      if (request.headers['x-aws-ec2-metadata-token'] !== token) return response.writeHead(401).end();
      if (request.url === rolePath) return response.writeHead(200).end(roleName);
      if (request.url !== `${rolePath}${roleName}`) return response.writeHead(404).end();
      const expiration = new Date(Date.now() + 3_600_000).toISOString();
      return response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ Code: 'Success', Type: 'AWS-HMAC', LastUpdated: new Date().toISOString(), ...credentials, Expiration: expiration }));
    }
    response.writeHead(404).end();
  });
  return fake;
}

/**
 * An ECS task's two endpoints on one server: task metadata v4 and the container credential
 * endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI with an authorization token). With
 * `holdTaskUntilCredentials`, the task document is answered only once the credential request
 * has arrived (or with a 503 after `holdLimitMs`), so a gate that asks for its credentials only
 * after it knows the region can never get its region from here.
 */
export async function startEcsTaskWithCredentials({ taskArn, credentials, holdTaskUntilCredentials = false, holdLimitMs = 10_000 }) {
  const authorization = 'fake-task-authorization';
  let credentialsAsked;
  const credentialsArrived = new Promise((resolve) => (credentialsAsked = resolve));
  let fake;
  fake = await listen(async (request, response) => {
    fake.hits.push(request.url);
    if (request.url === '/creds') {
      credentialsAsked();
      if (request.headers.authorization !== authorization) return response.writeHead(401).end();
      const expiration = new Date(Date.now() + 3_600_000).toISOString();
      return response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...credentials, Expiration: expiration }));
    }
    if (request.url !== '/v4/abc-123/task') return response.writeHead(404).end();
    if (holdTaskUntilCredentials) {
      const limit = new Promise((resolve) => setTimeout(() => resolve('limit'), holdLimitMs).unref());
      if ((await Promise.race([credentialsArrived.then(() => 'asked'), limit])) === 'limit') return response.writeHead(503).end();
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ecsTaskDocument(taskArn)));
  });
  fake.env = {
    ECS_CONTAINER_METADATA_URI_V4: `${fake.url}/v4/abc-123`,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${fake.url}/creds`,
    AWS_CONTAINER_AUTHORIZATION_TOKEN: authorization,
  };
  return fake;
}
