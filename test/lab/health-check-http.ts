import type { Lab } from '../../src/lab/index.js';

/** What an HTTP GET of a health check node port answered. */
export interface HealthCheckAnswer {
  readonly status: number;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly body: unknown;
}

/**
 * One GET in plain Node (no curl on every machine): prints `{status, body}` or `{error}` as
 * JSON. argv: host, port, timeout in ms.
 */
const GET_SCRIPT = `
const http = require('node:http');
const [host, port, timeout] = process.argv.slice(1);
const request = http.get({ host, port: Number(port), path: '/', timeout: Number(timeout) }, (response) => {
  let body = '';
  response.setEncoding('utf8');
  response.on('data', (chunk) => { body += chunk; });
  response.on('end', () => process.stdout.write(JSON.stringify({ status: response.statusCode, body })));
});
request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
request.on('error', (error) => process.stdout.write(JSON.stringify({ error: error.code || error.message })));
`;

/**
 * GETs `http://host:port/` from the lab's namespace `from` (a pod key, `node:NAME` or
 * `client`). The agents open their health check node ports after their first proxy sync, a
 * moment after they report ready, so a refused connection is retried until `waitMs` has passed;
 * any other failure, or a refusal past that, rejects with the error.
 */
export async function getHealthCheck(lab: Lab, from: string, host: string, port: number, waitMs = 10_000): Promise<HealthCheckAnswer> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { stdout } = await lab.execIn(from, [process.execPath, '-e', GET_SCRIPT, host, String(port), '2000']);
    const answer = JSON.parse(stdout) as { status?: number; body?: string; error?: string };
    if (answer.status !== undefined) {
      let body: unknown;
      try {
        body = JSON.parse(answer.body ?? '');
      } catch {
        body = undefined;
      }
      return { status: answer.status, body };
    }
    if (answer.error !== 'ECONNREFUSED' || Date.now() > deadline) {
      throw new Error(`GET http://${host}:${port}/ from ${from}: ${answer.error ?? 'no answer'}`);
    }
    await new Promise((done) => setTimeout(done, 200));
  }
}
