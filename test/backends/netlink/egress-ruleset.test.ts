import assert from 'node:assert/strict';
import { renderEgressRemoval, renderEgressReplacement } from '../../../src/backends/netlink/egress-ruleset.js';
import { BackendError } from '../../../src/core/errors.js';

describe('pod egress masquerade ruleset', () => {
  it('replaces only its own inet table, per family, in one transaction', () => {
    const text = renderEgressReplacement('kube-router-egress', {
      sources: ['10.1.1.0/24', 'fd00:1::/64'],
      exceptDestinations: ['10.1.0.0/16', '192.168.50.11/32', 'fd00::/48'],
    });
    assert.equal(text, [
      'add table inet kube-router-egress',
      'delete table inet kube-router-egress',
      'table inet kube-router-egress {',
      '  set pod-subnets-v4 { type ipv4_addr; flags interval; auto-merge; elements = { 10.1.1.0/24 }; }',
      '  set keep-source-v4 { type ipv4_addr; flags interval; auto-merge; elements = { 10.1.0.0/16, 192.168.50.11/32 }; }',
      '  set pod-subnets-v6 { type ipv6_addr; flags interval; auto-merge; elements = { fd00:1::/64 }; }',
      '  set keep-source-v6 { type ipv6_addr; flags interval; auto-merge; elements = { fd00::/48 }; }',
      '  chain pod-egress {',
      '    type nat hook postrouting priority srcnat; policy accept;',
      '    ip saddr @pod-subnets-v4 ip daddr != @keep-source-v4 masquerade',
      '    ip6 saddr @pod-subnets-v6 ip6 daddr != @keep-source-v6 masquerade',
      '  }',
      '}',
      '',
    ].join('\n'));
    assert.doesNotMatch(text, /flush ruleset/);
  });

  it('refuses text that is not an address or CIDR, and a table name that is not plain', () => {
    assert.throws(() => renderEgressReplacement('t', { sources: ['10.1.1.0/24; flush ruleset'], exceptDestinations: [] }), BackendError);
    assert.throws(() => renderEgressRemoval('bad name'), BackendError);
  });
});
