/**
 * Is an HTTP answer in the shape of the AWS protocol the request was made in at all: the JSON
 * protocol (awsJson1_1, Metering) or the Query protocol (form POST, XML answer: STS)? Checked
 * before the SDK reads it, so that an HTML error page, a redirect or an answer without an AWS
 * error type is reported as what it is (the wrong endpoint, or a proxy or firewall answering
 * in its place) instead of as a malformed token or a refusal by the service.
 */
export interface AnswerExpectation {
  readonly protocol: 'aws-json' | 'aws-query';
  /** Which API the endpoint must be: it picks the error code and the fix (src/net/errors.ts). */
  readonly api: 'metering' | 'sts';
  /** Named in the message: "... it is not <service>". */
  readonly service: string;
}

const REQUEST_CONTENT_TYPES: Readonly<Record<AnswerExpectation['protocol'], RegExp>> = {
  'aws-json': /^application\/x-amz-json-1\.[01]\b/i,
  'aws-query': /^application\/x-www-form-urlencoded\b/i,
};

/**
 * Whether a request was made in the expected protocol, by its content type. The credential
 * chain's handler is shared by every client the SDK's chain builds (STS, but also SSO, which
 * speaks JSON), so the STS check must hold only for STS's own requests.
 */
export function madeIn(protocol: AnswerExpectation['protocol'], headers: Readonly<Record<string, string | undefined>>): boolean {
  return REQUEST_CONTENT_TYPES[protocol].test(header(headers, 'content-type') ?? '');
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

/** The Query protocol's error document: <ErrorResponse><Error><Code>…</Code> (STS), or EC2's <Response><Errors><Error><Code>. */
function hasXmlErrorCode(body: Uint8Array): boolean {
  return /<Error>[\s\S]*?<Code>[^<]+<\/Code>/.test(Buffer.from(body).toString('utf8'));
}

/** XML at all: the Query protocol's answers start with an element (after an optional declaration). */
function looksLikeXml(body: Uint8Array): boolean {
  return /^\uFEFF?\s*</.test(Buffer.from(body.subarray(0, 64)).toString('utf8'));
}

/** What is wrong with the answer (for the message), or null when it is shaped like the protocol. */
export function unexpectedAnswer(status: number, headers: Readonly<Record<string, string | undefined>>, body: Uint8Array, protocol: AnswerExpectation['protocol'] = 'aws-json'): string | null {
  if (leftToRetries(status)) return null;
  const contentType = header(headers, 'content-type')?.split(';')[0]?.trim() || 'with no content type';
  if (status >= 300 && status < 400) {
    const location = header(headers, 'location');
    return `HTTP ${status} ${contentType}${location ? ` (a redirect to ${location.slice(0, 200)})` : ' (a redirect)'}`;
  }
  if (protocol === 'aws-query') {
    if (!/^(text|application)\/xml$/i.test(contentType)) return `HTTP ${status} ${contentType}`;
    if (!looksLikeXml(body)) return `HTTP ${status} ${contentType} that is not XML`;
    if (status >= 400 && !hasXmlErrorCode(body)) return `HTTP ${status} ${contentType} without an AWS error code`;
    return null;
  }
  if (!/^application\/(x-amz-json-1\.[01]|json)$/i.test(contentType)) return `HTTP ${status} ${contentType}`;
  if (status >= 400 && header(headers, 'x-amzn-errortype') === undefined && !hasErrorType(body)) return `HTTP ${status} ${contentType} without an AWS error type`;
  return null;
}
