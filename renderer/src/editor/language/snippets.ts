/** Kiln's snippets: a whole plugin skeleton, and a KILN_FIELD table for migrating state by field name. */
import { monaco } from '../monaco';

const PLUGIN = `#include "kiln.h"

typedef struct {
    \${2:float x, y;}
} \${3:State};

static void init(void *s) {
    \${3:State} *st = s;
    \${0}
}

static void update(void *s, float dt) {
    \${3:State} *st = s;
    (void)st; (void)dt;
}

static void draw(void *s) {
    \${3:State} *st = s;
    (void)st;
    clear(0x101820FF);
}

KILN_PLUGIN(.name = "\${1:game}", .state_size = sizeof(\${3:State}), .state_version = 1,
            .init = init, .update = update, .draw = draw)
`;

const FIELDS = `static const kiln_field \${1:fields}[] = {
    KILN_FIELD(\${2:State}, \${3:x}, \${4|KILN_F32,KILN_I32,KILN_U32,KILN_F64,KILN_I64,KILN_U8,KILN_BOOL|}, \${5:1}),
    \${0}
};
/* and in KILN_PLUGIN: .fields = \${1:fields}, .field_count = sizeof \${1:fields} / sizeof \${1:fields}[0] */`;

export function kilnSnippets(range: monaco.IRange): monaco.languages.CompletionItem[] {
  const snippet = (label: string, detail: string, insertText: string): monaco.languages.CompletionItem => ({
    label,
    kind: monaco.languages.CompletionItemKind.Snippet,
    detail,
    documentation: { value: `\`\`\`c\n${insertText.replace(/\$\{\d+\|([^,|]+)[^}]*\}/g, '$1').replace(/\$\{\d+:?([^}]*)\}/g, '$1')}\n\`\`\`` },
    insertText,
    insertTextRules: monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet,
    sortText: `~${label}`, // after the real symbols
    range,
  });
  return [
    snippet('plugin', 'Kiln: a new plugin (state, init, update, draw, KILN_PLUGIN)', PLUGIN),
    snippet('kiln_fields', 'Kiln: a KILN_FIELD table (state migrated by field name)', FIELDS),
  ];
}
