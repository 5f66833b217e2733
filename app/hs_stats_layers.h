/* SPDX-License-Identifier: BSD-3-Clause
 * hs_stats_layers.h - the counters of the layers above the dataplane,
 * assembled for struct hs_stats (dataplane/hs_stats.h).
 *
 * The dataplane does not know the layers above it: hs_stats.h includes
 * this header by name from the include path the build gives every target
 * (app/, see the top-level meson.build), and this header, not the
 * dataplane, names the layers' own lists.  The order here is part of the
 * struct hs_stats layout and of the telemetry name order: append only.
 */
#ifndef HS_STATS_LAYERS_H
#define HS_STATS_LAYERS_H

#include "../tls/hs_tls_stats.h"
#include "../http/hs_http_stats.h"

/* clang-format off */
#define HS_STATS_LAYERS(X) HS_STATS_TLS(X) HS_STATS_HTTP(X)
/* clang-format on */

#endif
