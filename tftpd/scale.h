/* How many workers serve when --workers is not given: one to start
 * with, and one more while every worker is busy on a CPU of its own and
 * another CPU the server may run on sits idle. A worker added where no
 * CPU is idle only takes turns with the one it was to relieve, and the
 * processes of both (and the clients' ACKs) wake each other across
 * CPUs: on 2 CPUs shared with 256 lock-step clients, 2 workers moved
 * 88 MB/s at 10.5 s of CPU per GiB where 1 moved 118 at 8.1 (bench/
 * README.md). Pure arithmetic and the parsing of the /proc text the
 * listening process reads. */
#ifndef TFTPD_SCALE_H
#define TFTPD_SCALE_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How often the listening process looks, while transfers run. */
#define SCALE_TICK_MS 500

/* One look, every figure in clock ticks (sysconf(_SC_CLK_TCK)) over
 * the same interval. */
struct scale_tick {
	uint64_t interval;
	/* idle and iowait, summed over the CPUs the server may run on */
	uint64_t idle;
	/* the CPU time (user and system) each live worker used */
	const uint64_t *busy;
	unsigned nworkers;
};

/* Whether to start one more worker (there are fewer than max): each
 * worker used at least 3/4 of a CPU, and at least 3/4 of a CPU was
 * idle. */
bool scale_add_worker(const struct scale_tick *t, unsigned max);

/* /proc/stat: the idle and iowait ticks of the "cpuN" lines whose N is
 * in set, summed into *idle; false if none was found. Only whole lines
 * count (a read may cut the last one). */
bool scale_parse_stat(const char *text, size_t len, const cpu_set_t *set, uint64_t *idle);

/* /proc/PID/stat: utime plus stime into *cpu and the state letter
 * ('R', 'S', 'D', 'T'...) into *state; false if it does not parse. The
 * command name may hold spaces and parentheses: the fields are counted
 * from the last ')'. */
bool scale_parse_pid_stat(const char *text, size_t len, uint64_t *cpu, char *state);

#endif
