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
  const elements = groupElements(objects, elementText);
  const lines = [`table ${PROXY_TABLE_REF} {`];
  for (const container of skeleton.containers) {
    const list = [...container.elements, ...(elements.get(container.name) ?? [])];
    lines.push(`  ${container.kind} ${container.name} {`, `    ${container.declaration}`);
    if (list.length > 0) lines.push(`    elements = { ${list.join(',\n      ')} }`);
    lines.push('  }');
  }
  for (const object of objects) if (object.kind === 'set') lines.push(`  set ${object.name} { ${object.declaration} }`);
  for (const object of objects) {
    if (object.kind === 'chain') lines.push(`  chain ${object.name} {`, ...object.rules.map((rule) => `    ${rule}`), '  }');
  }
  for (const chain of skeleton.chains) {
    lines.push(`  chain ${chain.name} {`, ...(chain.base ? [`    ${chain.base}`] : []), ...chain.rules.map((rule) => `    ${rule}`), '  }');
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
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
