import { PROXY_TABLE_REF } from './proxy-names.js';
import type { TableSkeleton } from './table-skeleton.js';
import type { ObjectChanges, TableObject } from './table-objects.js';

function elementText(object: Extract<TableObject, { kind: 'element' }>): string {
  return object.value === undefined ? object.key : `${object.key} : ${object.value}`;
}

function groupElements(objects: readonly TableObject[], text: (object: Extract<TableObject, { kind: 'element' }>) => string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const object of objects) {
    if (object.kind !== 'element') continue;
    const list = groups.get(object.container) ?? [];
    list.push(text(object));
    groups.set(object.container, list);
  }
  return groups;
}

/** Deletes the table if it exists, in one transaction (create-then-delete never fails on absence). */
export function deleteTableCommands(): string {
  return `add table ${PROXY_TABLE_REF}\ndelete table ${PROXY_TABLE_REF}\n`;
}

/** The whole table as one `table inet ... { }` block: skeleton, then every service port's objects. */
export function fullTableText(skeleton: TableSkeleton, objects: readonly TableObject[]): string {
  // A full table has about ten objects per service port: one pass over them, every piece of
  // text pushed to one array joined once, with no string per element or line in between.
  const elements = new Map<string, TableObject[]>();
  const sets: TableObject[] = [];
  const chains: TableObject[] = [];
  for (const object of objects) {
    if (object.kind === 'element') {
      let list = elements.get(object.container);
      if (list === undefined) elements.set(object.container, (list = []));
      list.push(object);
    } else if (object.kind === 'set') sets.push(object);
    else chains.push(object);
  }
  const parts: string[] = [`table ${PROXY_TABLE_REF} {\n`];
  for (const container of skeleton.containers) {
    parts.push('  ', container.kind, ' ', container.name, ' {\n    ', container.declaration, '\n');
    const own = elements.get(container.name) ?? [];
    if (container.elements.length + own.length > 0) {
      parts.push('    elements = { ');
      let first = true;
      for (const element of container.elements) {
        if (!first) parts.push(',\n      ');
        parts.push(element);
        first = false;
      }
      for (const object of own) {
        if (object.kind !== 'element') continue;
        if (!first) parts.push(',\n      ');
        if (object.value === undefined) parts.push(object.key);
        else parts.push(object.key, ' : ', object.value);
        first = false;
      }
      parts.push(' }\n');
    }
    parts.push('  }\n');
  }
  for (const object of sets) if (object.kind === 'set') parts.push('  set ', object.name, ' { ', object.declaration, ' }\n');
  for (const object of chains) {
    if (object.kind !== 'chain') continue;
    parts.push('  chain ', object.name, ' {\n');
    for (const rule of object.rules) parts.push('    ', rule, '\n');
    parts.push('  }\n');
  }
  for (const chain of skeleton.chains) {
    parts.push('  chain ', chain.name, ' {\n');
    if (chain.base) parts.push('    ', chain.base, '\n');
    for (const rule of chain.rules) parts.push('    ', rule, '\n');
    parts.push('  }\n');
  }
  parts.push('}\n');
  return parts.join('');
}

/**
 * The commands of an incremental sync, in an order the kernel accepts in one transaction:
 * new sets and chains first (elements and rules refer to them), rewritten chains flushed and
 * refilled, stale elements deleted before new ones are added (a map key whose value changed is
 * deleted, then added), and only then chains and sets nothing refers to any more are deleted.
 */
export function incrementalCommands(changes: ObjectChanges): string {
  const t = PROXY_TABLE_REF;
  const lines: string[] = [];
  const rewrittenAfter = changes.rewritten.map((pair) => pair.after);
  for (const object of changes.added) if (object.kind === 'set') lines.push(`add set ${t} ${object.name} { ${object.declaration} }`);
  for (const object of changes.added) if (object.kind === 'chain') lines.push(`add chain ${t} ${object.name}`);
  for (const object of rewrittenAfter) if (object.kind === 'chain') lines.push(`flush chain ${t} ${object.name}`);
  for (const object of [...changes.added, ...rewrittenAfter]) {
    if (object.kind === 'chain') for (const rule of object.rules) lines.push(`add rule ${t} ${object.name} ${rule}`);
  }
  const stale = [...changes.removed, ...changes.rewritten.map((pair) => pair.before)];
  for (const [container, keys] of groupElements(stale, (object) => object.key)) lines.push(`delete element ${t} ${container} { ${keys.join(', ')} }`);
  for (const [container, list] of groupElements([...changes.added, ...rewrittenAfter], elementText)) {
    lines.push(`add element ${t} ${container} { ${list.join(', ')} }`);
  }
  // Every removed chain is emptied before any is deleted: an affinity chain's vmap refers to its endpoint chains.
  for (const object of changes.removed) if (object.kind === 'chain') lines.push(`flush chain ${t} ${object.name}`);
  for (const object of changes.removed) if (object.kind === 'chain') lines.push(`delete chain ${t} ${object.name}`);
  for (const object of changes.removed) if (object.kind === 'set') lines.push(`delete set ${t} ${object.name}`);
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
