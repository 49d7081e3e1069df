import assert from 'node:assert/strict';
import { TextChunks } from '../../../src/backends/iptables/proxy/text-chunks.js';

describe('iptables proxy text chunks (a full payload\'s per-port texts joined as they come)', () => {
  it('gives back every text in order, empty ones left out, in strings of about 1 MiB', () => {
    const chunks = new TextChunks();
    const texts: string[] = [];
    for (let index = 0; index < 3_000; index++) {
      // 3,000 texts of 1,000 to 1,999 characters: about 4.5 million characters in all.
      const text = `${String(index).padStart(6, '0')}${'x'.repeat(993 + (index % 1000))}\n`;
      texts.push(text);
      chunks.push(text);
      chunks.push('');
    }
    const out = chunks.texts();
    assert.equal(out.join(''), texts.join(''));
    assert.ok(out.length >= 4 && out.length <= 5, `${out.length} chunks`);
    assert.ok(out.slice(0, -1).every((chunk) => chunk.length >= 1 << 20 && chunk.length < (1 << 20) + 2_000));
    assert.ok(!out.includes(''));
  });

  it('gives nothing for nothing, and one short text as it is', () => {
    assert.deepEqual(new TextChunks().texts(), []);
    const one = new TextChunks();
    one.push('-A KR-SERVICES -j RETURN\n');
    assert.deepEqual(one.texts(), ['-A KR-SERVICES -j RETURN\n']);
  });
});
