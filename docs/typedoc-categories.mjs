// A TypeDoc plugin: files the root entry's symbols under categories taken from the folder that
// declares them, so the ~150 symbols of `kube-router` read as a few topics and no source file
// carries a `@category` tag that would go stale when code moves. A symbol's own `@category`
// wins; a folder missing from the table fails the build, so a new folder gets a topic.
import { Converter, Models, TypeScript as ts } from 'typedoc';

/** Folder (under src/) to category, most specific first. */
const CATEGORIES = [
  ['core/model/', 'Model'],
  ['core/convert/', 'Model'],
  ['core/errors', 'Model'],
  ['core/store/', 'Store and sources'],
  ['core/source/', 'Store and sources'],
  ['sources/', 'Store and sources'],
  ['core/planner/', 'Planners'],
  ['core/plan/', 'Plans'],
  ['core/backend/', 'Backends'],
  ['core/ports/', 'Backends'],
  ['exec/', 'Backends'],
  ['core/controller/', 'Controllers'],
  ['core/simulator/', 'Simulator'],
];

/** The entry whose symbols are categorised (the others are small enough to read as a list). */
const ROOT_MODULE = 'kube-router';

/** @param {import('typedoc').Application} app */
export function load(app) {
  // Before the category plugin, which runs at -200 on the same event.
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    const root = context.project.children?.find((child) => child.name === ROOT_MODULE);
    for (const reflection of root?.children ?? []) {
      if (reflection.comment?.blockTags.some((tag) => tag.tag === '@category')) continue;
      const file = declaringFile(context, reflection);
      const match = CATEGORIES.find(([folder]) => file?.includes(`/src/${folder}`));
      if (!match) {
        app.logger.error(`typedoc-categories: no category for ${reflection.name} (${file ?? 'unknown file'})`);
        continue;
      }
      reflection.comment ??= new Models.Comment();
      reflection.comment.blockTags.push(new Models.CommentTag('@category', [{ kind: 'text', text: match[1] }]));
    }
  }, 0);
}

function declaringFile(context, reflection) {
  let symbol = context.getSymbolFromReflection(reflection);
  // Re-exported names are aliases; the declaration is where the alias points.
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = context.checker.getAliasedSymbol(symbol);
  const declaration = symbol?.declarations?.[0] ?? symbol?.valueDeclaration;
  return declaration?.getSourceFile().fileName;
}
