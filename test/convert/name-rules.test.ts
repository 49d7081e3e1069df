import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import {
  convertPod,
  convertService,
  dnsLabelError,
  dnsSubdomainError,
  ianaServiceNameError,
  labelValueError,
  qualifiedNameError,
} from '../../src/core/convert/index.js';
import type { Pod, Service } from '../../src/core/model/index.js';
import { patched, rawPod, rawService } from './fixtures.js';

function accepts(rule: (text: string) => string | undefined, texts: readonly string[]): void {
  for (const text of texts) assert.equal(rule(text), undefined, JSON.stringify(text));
}

function refuses(rule: (text: string) => string | undefined, texts: readonly string[]): void {
  for (const text of texts) assert.notEqual(rule(text), undefined, JSON.stringify(text));
}

// Cases written from Kubernetes' documented rules (apimachinery's IsDNS1123Label,
// IsDNS1123Subdomain, IsQualifiedName, IsValidLabelValue, IsValidPortName).
describe('name rules', () => {
  it('DNS-1123 label: lower case, digits and "-", 1..63, letter or digit at both ends', () => {
    accepts(dnsLabelError, ['web', '1web', 'a', 'web-2', 'a'.repeat(63)]);
    refuses(dnsLabelError, ['', 'Web', 'web.v2', '-web', 'web-', 'web_2', 'a'.repeat(64), 'web\u0000', 'web\n']);
  });

  it('DNS-1123 subdomain: dot-separated labels, at most 253 characters', () => {
    accepts(dnsSubdomainError, ['node-1', 'node-1.example.com', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`]);
    refuses(dnsSubdomainError, ['', 'Node-1', 'a..b', '.a', 'a.', 'a_b', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`, 'node-1\u0000evil']);
  });

  it('qualified name: an optional DNS subdomain prefix and "/", then 1..63 of [A-Za-z0-9-_.] with alphanumeric ends', () => {
    accepts(qualifiedNameError, ['app', 'A', 'app.kubernetes.io/name', 'example.com/Flag_1', 'a.b-c_d', 'x'.repeat(63)]);
    refuses(qualifiedNameError, ['', '/app', 'example.com/', 'a/b/c', 'Example.com/x', '-app', 'app-', '_app', 'x'.repeat(64), 'ex ample', 'app\u0000web']);
  });

  it('label value: empty, or 1..63 of [A-Za-z0-9-_.] with alphanumeric ends', () => {
    accepts(labelValueError, ['', 'web', 'Web_1.2-x', 'v'.repeat(63)]);
    refuses(labelValueError, ['a b', '-a', 'a-', '.a', 'v'.repeat(64), 'a\nb', 'a/b']);
  });

  it('quotes and escapes the value in its reason', () => {
    assert.match(dnsLabelError('a\u001b[31m') ?? '', /^"a\\u001b\[31m" is not a DNS-1123 label/);
    assert.match(qualifiedNameError('a"b') ?? '', /^"a\\"b" is not a qualified name/);
  });
});

describe('which name rule applies to which field', () => {
  it('accepts a service name with a leading digit, as current API servers do', () => {
    const result = convertService(patched(rawService(), (r) => (r.metadata.name = '1web')));
    assert.deepEqual(result.problems, []);
    assert.equal((result.object as Service).key, 'shop/1web');
  });

  it('checks service port names as DNS-1123 labels (up to 63) and container port names as IANA names (up to 15)', () => {
    const name = 'metrics-endpoint-v2';
    assert.equal(dnsLabelError(name), undefined);
    assert.notEqual(ianaServiceNameError(name), undefined);
    const service = convertService(patched(rawService(), (r) => (r.spec.ports[0].name = name)));
    assert.deepEqual(service.problems, []);
    assert.equal((service.object as Service).ports[0]?.name, name);
    const pod = convertPod(patched(rawPod(), (r) => (r.spec.containers[0].ports[0].name = name)));
    assert.deepEqual(pod.problems.map((p) => [p.severity, p.field]), [['error', 'spec.containers[0].ports[0].name']]);
    assert.equal((pod.object as Pod).containers[0]?.ports[0]?.name, undefined);
  });

  it('checks annotation keys in lower case, as Kubernetes does, and accepts an empty label value', () => {
    const raw = patched(rawPod(), (r) => {
      r.metadata.annotations = { 'Example.COM/Owner': 'Team A, see https://example.com' };
      r.metadata.labels.canary = '';
    });
    const result = convertPod(raw);
    assert.deepEqual(result.problems, []);
    assert.deepEqual((result.object as Pod).annotations, { 'Example.COM/Owner': 'Team A, see https://example.com' });
    assert.deepEqual((result.object as Pod).labels, { app: 'web', canary: '' });
  });
});
