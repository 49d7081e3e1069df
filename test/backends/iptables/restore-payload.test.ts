import assert from 'node:assert/strict';
import { FilterTransaction } from '../../../src/backends/iptables/firewall/restore-payload.js';

describe('FilterTransaction payload', () => {
  it('declares chains in reverse name order (the order iptables-nft-restore loads fastest), then deletes, rules, removals', () => {
    const transaction = new FilterTransaction();
    transaction.replaceChain({ name: 'KR-B', rules: ['-A KR-B -j RETURN'] });
    transaction.removeChain('KR-A');
    transaction.replaceChain({ name: 'KR-C', rules: ['-A KR-C -j DROP'] });
    transaction.deleteRule('-A KR-FW-INPUT -j KR-A');
    assert.equal(transaction.payload(), [
      '*filter',
      ':KR-C - [0:0]', ':KR-B - [0:0]', ':KR-A - [0:0]',
      '-D KR-FW-INPUT -j KR-A',
      '-A KR-B -j RETURN', '-A KR-C -j DROP',
      '-X KR-A',
      'COMMIT', '',
    ].join('\n'));
  });
});
