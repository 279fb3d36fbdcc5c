/**
 * Is an HTTP answer in the shape of an AWS JSON protocol (awsJson1_1) answer at all? Checked
 * before the SDK reads it, so that an HTML error page, a redirect or a JSON answer without an
 * AWS error type is reported as what it is (the wrong endpoint, or a proxy or firewall
 * answering in its place) instead of as a malformed token or an unknown service error.
 */
export interface AnswerExpectation {
  readonly protocol: 'aws-json';
  /** Named in the message: "... it is not <service>". */
  readonly service: string;
}

/** 5xx and 429 are left to the retry policy: a load balancer's HTML 503 is an outage, not a wrong endpoint. */
function leftToRetries(status: number): boolean {
  return status >= 500 || status === 429;
}

function header(headers: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

function hasErrorType(body: Uint8Array): boolean {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(body).toString('utf8'));
    if (parsed === null || typeof parsed !== 'object') return false;
    const fields = parsed as Record<string, unknown>;
    return typeof fields['__type'] === 'string' || typeof fields['code'] === 'string';
  } catch {
    return false;
  }
}

/** What is wrong with the answer (for the message), or null when it is shaped like the protocol. */
export function unexpectedAnswer(status: number, headers: Readonly<Record<string, string | undefined>>, body: Uint8Array): string | null {
  if (leftToRetries(status)) return null;
  const contentType = header(headers, 'content-type')?.split(';')[0]?.trim() || 'with no content type';
  if (status >= 300 && status < 400) {
    const location = header(headers, 'location');
    return `HTTP ${status} ${contentType}${location ? ` (a redirect to ${location.slice(0, 200)})` : ' (a redirect)'}`;
  }
  if (!/^application\/(x-amz-json-1\.[01]|json)$/i.test(contentType)) return `HTTP ${status} ${contentType}`;
  if (status >= 400 && header(headers, 'x-amzn-errortype') === undefined && !hasErrorType(body)) return `HTTP ${status} ${contentType} without an AWS error type`;
  return null;
}
