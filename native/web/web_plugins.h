/* web_plugins.h — the table the web export generates (plugins.c): each plugin's renamed entry function and name, in
   kiln.json's order, which is the order the runner loads and runs them. */
#ifndef KILN_WEB_PLUGINS_H
#define KILN_WEB_PLUGINS_H

#include "kiln.h"

extern const int kiln_web_plugin_count;
extern const kiln_entry_fn kiln_web_plugin_entries[];
extern const char *const kiln_web_plugin_names[];
/* Each plugin's KILN_SYSTEM (its renamed kiln_system_desc), or NULL for a plugin without one. */
extern const kiln_system *const kiln_web_plugin_systems[];

#endif
