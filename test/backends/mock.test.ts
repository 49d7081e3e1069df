import assert from 'node:assert/strict';
import {
  MockFirewallBackend,
  MockProxyBackend,
  MockRouteBackend,
  RecordingCommandRunner,
} from '../../src/backends/mock/index.js';
import { RecordingCommandRunner as ExecRecordingCommandRunner } from '../../src/exec/recording-command-runner.js';
import { BackendError } from '../../src/core/errors.js';
import { fragmentMap } from '../../src/core/plan/fragment-map.js';
import { assertCounts, plain } from './contract/backend-contract.js';
import { firewallBackendContract } from './contract/firewall-backend-contract.js';
import { proxyBackendContract } from './contract/proxy-backend-contract.js';
import { routeBackendContract } from './contract/route-backend-contract.js';
import { firewallPlan } from './contract/fixtures/firewall-plans.js';
import { proxyPlan, proxyPlanWith, proxyServicePorts } from './contract/fixtures/proxy-plans.js';
import { routeParts, routePlan, routePlanWith } from './contract/fixtures/route-plans.js';

proxyBackendContract('MockProxyBackend', () => new MockProxyBackend());
firewallBackendContract('MockFirewallBackend', () => new MockFirewallBackend());
routeBackendContract('MockRouteBackend', () => new MockRouteBackend());

/** A mutable view of plain data, for tests that play a caller misbehaving. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

describe('mock backends', () => {
  it('are named mock and serve their concern', () => {
    assert.deepEqual(
      [new MockProxyBackend(), new MockFirewallBackend(), new MockRouteBackend()].map((b) => [b.name, b.concern]),
      [
        ['mock', 'proxy'],
        ['mock', 'firewall'],
        ['mock', 'route'],
      ],
    );
  });

  describe('failure injection', () => {
    it('rejects the next sync with a BackendError of command mock and keeps the previous state', async () => {
      const backend = new MockProxyBackend();
      await backend.sync(proxyPlan());
      backend.failNextSync();
      const plan = proxyPlan();
      await assert.rejects(backend.sync({ ...plan, servicePorts: fragmentMap([]) }), (error: unknown) => {
        assert.ok(error instanceof BackendError);
        assert.equal(error.command, 'mock');
        return true;
      });
      assert.equal((await backend.describe()).plan?.servicePorts.size, 4);
      assert.equal(backend.syncs.length, 1);
      // The retry diffs against the state the failed sync left alone.
      assertCounts(await backend.sync(proxyPlan()), { full: false, changed: 0, removed: 0, unchanged: 4 });
    });

    it('rejects with the error given, once', async () => {
      const backend = new MockRouteBackend();
      const injected = new Error('netlink: device busy');
      backend.failNextSync(injected);
      await assert.rejects(backend.sync(routePlan()), (error: unknown) => error === injected);
      assert.equal((await backend.describe()).plan, undefined);
      assertCounts(await backend.sync(routePlan()), { full: true, changed: 5, removed: 0, unchanged: 0 });
    });

    it('does not fail cleanup or describe', async () => {
      const backend = new MockFirewallBackend();
      await backend.sync(firewallPlan());
      backend.failNextSync();
      await backend.cleanup();
      assert.equal((await backend.describe()).plan, undefined);
      await assert.rejects(backend.sync(firewallPlan()), BackendError);
    });
  });

  describe('programmed state', () => {
    it('is frozen: the caller cannot change a synced fragment afterwards', async () => {
      const backend = new MockProxyBackend();
      const plan = proxyPlan();
      await backend.sync(plan);
      const web = plan.servicePorts.get('default/web:http/TCP');
      assert.throws(() => {
        (web!.frontends[0] as Mutable<NonNullable<typeof web>['frontends'][number]>).port = 81;
      }, TypeError);
      assert.throws(() => {
        (plan as Mutable<typeof plan>).node = 'node-z';
      }, TypeError);
      assert.deepEqual(plain((await backend.describe()).plan), plain(proxyPlan()));
    });

    it('is deeply frozen for readers', async () => {
      const backend = new MockProxyBackend();
      await backend.sync(proxyPlan());
      const programmed = (await backend.describe()).plan!;
      assert.throws(() => {
        (programmed.servicePorts.get('default/web:http/TCP')!.clusterEndpoints[0] as Mutable<{ ip: string }>).ip = '10.9.9.9';
      }, TypeError);
      assert.ok(Object.isFrozen(backend.lastPlan?.settings.clusterCIDRs));
    });
  });

  describe('fragment comparison', () => {
    it('counts a fragment rebuilt with equal content, keys in another order, as unchanged', async () => {
      const backend = new MockProxyBackend();
      await backend.sync(proxyPlan());
      const [web, ...rest] = proxyServicePorts();
      const { key, ...others } = web!;
      assertCounts(await backend.sync(proxyPlanWith([{ ...others, key }, ...rest])), {
        full: false,
        changed: 0,
        removed: 0,
        unchanged: 4,
      });
    });

    it('counts one change when a plan keeps every other fragment object of the last one', async () => {
      const backend = new MockProxyBackend();
      const first = proxyPlan();
      await backend.sync(first);
      const edited = proxyServicePorts()[1]!;
      const second = proxyPlanWith(
        first.servicePorts.values().map((port) => (port.key === edited.key ? { ...edited, portName: 'renamed' } : port)),
      );
      assertCounts(await backend.sync(second), { full: false, changed: 1, removed: 0, unchanged: 3 });
    });

    it('makes a sync full when the proxy settings change, still counting removals', async () => {
      const backend = new MockProxyBackend();
      await backend.sync(proxyPlan());
      const masqueradeAll = proxyPlanWith(proxyServicePorts().slice(0, 3), { masqueradeAll: true });
      assertCounts(await backend.sync(masqueradeAll), { full: true, changed: 3, removed: 1, unchanged: 0 });
    });

    it('accepts a plan for another node, as a full sync', async () => {
      const backend = new MockFirewallBackend();
      await backend.sync(firewallPlan());
      assertCounts(await backend.sync({ ...firewallPlan(), node: 'node-b' }), {
        full: true,
        changed: 9,
        removed: 0,
        unchanged: 0,
      });
      assert.equal((await backend.describe()).plan?.node, 'node-b');
    });
  });

  describe('history', () => {
    it('keeps every successful report in order, and the last plan across cleanup', async () => {
      const backend = new MockRouteBackend();
      assert.equal(backend.lastPlan, undefined);
      await backend.sync(routePlan());
      await backend.sync(routePlan());
      backend.failNextSync();
      await assert.rejects(backend.sync(routePlan()));
      await backend.cleanup();
      assert.deepEqual(
        backend.syncs.map((report) => [report.full, report.changed, report.unchanged]),
        [
          [true, 5, 0],
          [false, 0, 5],
        ],
      );
      assert.equal(backend.cleanups, 1);
      assert.deepEqual(plain(backend.lastPlan), plain(routePlan()));
      assert.equal((await backend.describe()).plan, undefined);
    });
  });

  describe('summary', () => {
    it('counts service ports, frontends and distinct endpoints', async () => {
      const backend = new MockProxyBackend();
      await backend.sync(proxyPlan());
      assert.deepEqual((await backend.describe()).summary, ['4 service ports, 6 frontends, 8 endpoints']);
    });

    it('counts policies and isolated pods', async () => {
      const backend = new MockFirewallBackend();
      await backend.sync(firewallPlan());
      assert.deepEqual((await backend.describe()).summary, ['3 policies, 2 isolated pods, 3 peer sets']);
    });

    it('counts routes and tunnels, then masquerade and BGP when present', async () => {
      const backend = new MockRouteBackend();
      await backend.sync(routePlan());
      assert.deepEqual((await backend.describe()).summary, [
        '2 routes, 1 tunnel',
        'masquerade: 1 source CIDR',
        'bgp: AS 64512, 2 peers, 1 announcement',
      ]);
      const parts = routeParts();
      await backend.sync(routePlanWith({ routes: parts.routes.slice(0, 1), tunnels: [] }));
      assert.deepEqual((await backend.describe()).summary, ['1 route, 0 tunnels']);
    });

    it('is empty when nothing is programmed', async () => {
      const backend = new MockFirewallBackend();
      assert.deepEqual((await backend.describe()).summary, []);
      await backend.sync(firewallPlan());
      await backend.cleanup();
      assert.deepEqual((await backend.describe()).summary, []);
    });
  });

  it('re-exports the RecordingCommandRunner from the mock entry point', () => {
    assert.equal(RecordingCommandRunner, ExecRecordingCommandRunner);
  });
});
