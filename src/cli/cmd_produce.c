/* smelt produce — synthetic sales events into Kafka (SEED.md phase 3's
 * producer), with a summary: sent, acked, failed, rate. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "connect/kafka.h"
#include "core/str.h"

int sm_cmd_produce(sm_cli_ctx_t *ctx, int argc, char **argv);

static volatile int produce_stop;

static void on_signal(int sig)
{
    (void)sig;
    produce_stop = 1;
}

static int num(const char *opt, const char *text, double min, double *out)
{
    double d = 0;
    if (sm_str_to_double(sm_str_c(text), &d, NULL) || !(d >= min) || d > 1e15)
        return sm_cli_usage_error("produce", "%s: expected a number >= %g, got \"%s\"", opt, min,
                                  text);
    *out = d;
    return SM_EXIT_OK;
}

static void progress(void *arg, const sm_kafka_produce_summary_t *s)
{
    (void)arg;
    fprintf(stderr, "\rsent %llu acked %llu failed %llu", (unsigned long long)s->sent,
            (unsigned long long)s->acked, (unsigned long long)s->failed);
}

int sm_cmd_produce(sm_cli_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"topic", required_argument, NULL, 't'},
                                         {"rate", required_argument, NULL, 'r'},
                                         {"count", required_argument, NULL, 'n'},
                                         {"duration", required_argument, NULL, 'd'},
                                         {"bootstrap", required_argument, NULL, 'b'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"start-id", required_argument, NULL, 'i'},
                                         {"partitions", required_argument, NULL, 'p'},
                                         {"no-key", no_argument, NULL, 'k'},
                                         {"progress", no_argument, NULL, 'P'},
                                         {NULL, 0, NULL, 0}};
    sm_kafka_produce_opts_t po = {.seed = 1};
    const char *bootstrap = NULL;
    bool any_limit = false, show_progress = false, create_only = false;
    double d = 0;
    int c, st;
    while ((c = sm_cli_getopt("produce", argc, argv, "ht:r:n:d:b:s:i:p:kP", opts)) != -1) {
        switch (c) {
        case 'h':
            printf(
                "usage: smelt produce [--topic T] [--rate N] [--count N] [--duration S]\n"
                "                     [--bootstrap H:P] [--seed N] [--start-id N]\n"
                "                     [--partitions N] [--no-key] [--progress]\n\n"
                "Sends the reference sales events ({event_id, timestamp, pays, montant,\n"
                "type}) to a Kafka topic (default ventes-temps-reel, created if absent).\n"
                "--rate is events per second (0 = as fast as possible); the run stops after\n"
                "--count events or --duration seconds, or at Ctrl-C.  With none of rate,\n"
                "count and duration it sends 50 events 0.1 s apart, as the reference\n"
                "notebook does.  --count 0 only creates the topic (if absent) and sends\n"
                "nothing.  Event contents are a pure function of --seed and the\n"
                "event id.  Brokers: --bootstrap, else SMELT_KAFKA_BOOTSTRAP / kafka.bootstrap;\n"
                "with none, an in-process mock cluster whose data vanishes at exit.\n");
            return SM_EXIT_OK;
        case 't':
            po.topic = optarg;
            break;
        case 'r':
            if ((st = num("--rate", optarg, 0, &po.rate)))
                return st;
            any_limit = true;
            break;
        case 'n':
            if ((st = num("--count", optarg, 0, &d)))
                return st;
            po.count = (uint64_t)d;
            create_only = po.count == 0;
            any_limit = true;
            break;
        case 'd':
            if ((st = num("--duration", optarg, 0.001, &po.duration_s)))
                return st;
            any_limit = true;
            break;
        case 'b':
            bootstrap = optarg;
            break;
        case 's':
            if ((st = num("--seed", optarg, 0, &d)))
                return st;
            po.seed = (uint64_t)d;
            break;
        case 'i':
            if ((st = num("--start-id", optarg, 0, &d)))
                return st;
            po.start_id = (int64_t)d;
            po.start_id_set = true;
            break;
        case 'p':
            if ((st = num("--partitions", optarg, 1, &d)))
                return st;
            po.partitions = (int)d;
            break;
        case 'k':
            po.no_key = true;
            break;
        case 'P':
            show_progress = true;
            break;
        default:
            return SM_EXIT_USAGE;
        }
    }
    if (optind < argc)
        return sm_cli_usage_error("produce", "unexpected argument \"%s\"", argv[optind]);
    if (create_only && po.duration_s > 0)
        return sm_cli_usage_error("produce", "--count 0 (create the topic only) cannot be combined "
                                             "with --duration");
    if (!any_limit) {
        po.count = 50;
        po.rate = 10;
    }
    int status = sm_cli_load(ctx);
    if (status)
        return status;
    if (!bootstrap)
        bootstrap = sm_config_get_str(ctx->config, "kafka.bootstrap");
    sm_error_t e;
    sm_kafka_mock_t *mock = NULL;
    if (!bootstrap || !bootstrap[0]) {
        if (sm_kafka_mock_start(1, &mock, &e))
            return sm_cli_fail("produce", &e);
        fprintf(stderr, "smelt produce: no Kafka bootstrap configured: using an in-process mock "
                        "cluster (the events vanish when this command ends)\n");
        bootstrap = NULL;
    }
    po.conf.bootstrap = bootstrap;
    po.conf.mock = mock;
    po.conf.log = ctx->log;
    po.cancel = &produce_stop;
    if (show_progress) {
        po.on_progress = progress;
        po.progress_every = 1000;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    if (create_only) {
        const char *topic = po.topic ? po.topic : SM_KAFKA_DEFAULT_TOPIC;
        bool created = false;
        sm_err_t rc = sm_kafka_topic_ensure(&po.conf, topic, po.partitions > 0 ? po.partitions : 1,
                                            1, &created, &e);
        if (!rc)
            printf("topic %s: %s, no events sent\n", topic, created ? "created" : "exists");
        sm_kafka_mock_free(mock);
        return rc ? sm_cli_fail("produce", &e) : SM_EXIT_OK;
    }
    sm_kafka_produce_summary_t sum = {0};
    sm_err_t rc = sm_kafka_produce_events(&po, &sum, &e);
    if (show_progress)
        fputc('\n', stderr);
    printf("topic %s%s: sent %llu, acked %llu, failed %llu in %.3f s (%.0f events/s), "
           "event ids %lld..%lld\n",
           po.topic ? po.topic : SM_KAFKA_DEFAULT_TOPIC, sum.topic_created ? " (created)" : "",
           (unsigned long long)sum.sent, (unsigned long long)sum.acked,
           (unsigned long long)sum.failed, sum.elapsed_s, sum.rate, (long long)sum.first_id,
           (long long)sum.last_id);
    if (sum.first_error[0])
        fprintf(stderr, "smelt produce: first delivery error: %s\n", sum.first_error);
    sm_kafka_mock_free(mock);
    return rc ? sm_cli_fail("produce", &e) : SM_EXIT_OK;
}
