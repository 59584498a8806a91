/* smelt init — a small working pipeline project to start from. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"

static const char SMELT_YAML[] =
    "# A smelt pipeline project.  `smelt run` ingests the sources into bronze,\n"
    "# then builds every model in models/<layer>/<name>.sql as <layer>.<name>.\n"
    "lake: ./lake\n"
    "\n"
    "# Sources feed the bronze layer.  Uncomment and point at a database\n"
    "# (or set SMELT_POSTGRES_URL / the PG* variables):\n"
    "# sources:\n"
    "#   shop:\n"
    "#     type: postgres\n"
    "#     url: postgresql://user@127.0.0.1:5432/shop\n"
    "#     tables:\n"
    "#       - orders                       # full copy, partitioned by ingestion date\n"
    "#       - name: events                 # only rows past the high-water mark\n"
    "#         mode: incremental\n"
    "#         column: event_id\n"
    "#   sales_files:                     # CSV / JSON lines / Parquet files (or s3://...)\n"
    "#     type: files\n"
    "#     path: data/*.csv\n"
    "#   api:                             # a JSON HTTP API, paginated\n"
    "#     type: http\n"
    "#     url: https://api.example.com/orders\n"
    "#     next: next\n"
    "\n"
    "# Data-quality checks, run before a model's commit (docs/pipeline.md):\n"
    "models:\n"
    "  silver.sales:\n"
    "    checks:\n"
    "      - not_null: [id, country]\n"
    "      - unique: [id]\n"
    "      - sql: SELECT * FROM this WHERE amount < 0\n"
    "        name: no_negative_amount\n"
    "\n"
    "project:\n"
    "  dashboard:\n"
    "    - title: Sales by country\n"
    "      sql: SELECT * FROM gold.sales_by_country ORDER BY revenue DESC\n";

static const char SILVER_SQL[] =
    "-- A silver model: cleaned rows.  Replace the VALUES with a bronze table\n"
    "-- (FROM bronze.orders) once a source is configured.\n"
    "SELECT id, upper(trim(country)) AS country, CAST(amount AS DECIMAL(10,2)) AS amount\n"
    "FROM VALUES (1, ' france', 12.5), (2, 'Germany', 30), (3, 'france ', 7.25),\n"
    "            (4, 'USA', 99.99), (5, NULL, 1) AS sales(id, country, amount)\n"
    "WHERE country IS NOT NULL\n";

static const char GOLD_SQL[] =
    "-- A gold model: a KPI over silver.  Its input (silver.sales) orders the run.\n"
    "SELECT country, sum(amount) AS revenue, count(*) AS orders\n"
    "FROM silver.sales\n"
    "GROUP BY country\n";

static int write_new(const char *path, const char *text)
{
    FILE *f = fopen(path, "wx"); /* never overwrite */
    if (!f) {
        fprintf(stderr, "smelt init: %s: %s\n", path,
                errno == EEXIST ? "already exists (nothing was overwritten)" : strerror(errno));
        return SM_EXIT_FAIL;
    }
    int ok = fputs(text, f) >= 0;
    ok &= fclose(f) == 0;
    if (!ok) {
        fprintf(stderr, "smelt init: cannot write %s\n", path);
        return SM_EXIT_FAIL;
    }
    return SM_EXIT_OK;
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "smelt init: cannot create %s: %s\n", path, strerror(errno));
        return SM_EXIT_FAIL;
    }
    return SM_EXIT_OK;
}

int sm_cmd_init(sm_cli_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    (void)ctx;
    while ((c = sm_cli_getopt("init", argc, argv, "h", opts)) != -1) {
        if (c == 'h') {
            printf("usage: smelt init [DIR]\n\n"
                   "Creates a small working pipeline project in DIR (default: the current\n"
                   "directory): smelt.yaml (a local lake, a commented PostgreSQL source, a\n"
                   "dashboard panel) and two models, silver/sales.sql and\n"
                   "gold/sales_by_country.sql.  Existing files are never overwritten.\n"
                   "Then: cd DIR && smelt run\n");
            return SM_EXIT_OK;
        }
        return SM_EXIT_USAGE;
    }
    if (argc - optind > 1)
        return sm_cli_usage_error("init", "expected at most one DIR");
    const char *dir = optind < argc ? argv[optind] : ".";
    char p[4096];
    int status = make_dir(dir);
    snprintf(p, sizeof p, "%s/models", dir);
    status = status ? status : make_dir(p);
    snprintf(p, sizeof p, "%s/models/silver", dir);
    status = status ? status : make_dir(p);
    snprintf(p, sizeof p, "%s/models/gold", dir);
    status = status ? status : make_dir(p);
    snprintf(p, sizeof p, "%s/smelt.yaml", dir);
    status = status ? status : write_new(p, SMELT_YAML);
    snprintf(p, sizeof p, "%s/models/silver/sales.sql", dir);
    status = status ? status : write_new(p, SILVER_SQL);
    snprintf(p, sizeof p, "%s/models/gold/sales_by_country.sql", dir);
    status = status ? status : write_new(p, GOLD_SQL);
    if (!status)
        printf("A pipeline project is ready in %s.  Next: cd %s && smelt run\n", dir, dir);
    return status;
}
