/*
 * kernel-count: how many IPv4 routes of given protocols the main table of this network namespace
 * holds, followed as it changes — the kernel clock of scripts/bench/speaker.bench.mjs. Built with
 * the machine's cc at bench time and run inside the receiver's namespace.
 *
 *   kernel-count watch PROTOS TARGET   follow the table; PROTOS = comma list of rtm_protocol
 *                                      numbers (12 = bird, 186 = bgp)
 *   kernel-count count PROTOS          one dump, print the count, exit
 *
 * watch subscribes to RTNLGRP_IPV4_ROUTE with a large receive buffer first, then dumps the table
 * once, and from then on applies RTM_NEWROUTE / RTM_DELROUTE notifications to a set of
 * (destination, length) keys: the count is exact at every moment without re-dumping a table of
 * a million routes per poll. If the kernel drops notifications (ENOBUFS), the set is rebuilt by
 * a dump and the overrun is reported. Output, one JSON object per line, times in ms of
 * CLOCK_REALTIME (the clock Node's Date.now() reads, so other processes' timestamps compare):
 *   {"event":"ready","t":...,"count":N}
 *   {"event":"progress","t":...,"count":N}        each time another tenth of TARGET is reached
 *   {"event":"complete","t":...,"count":N}        the first time count >= TARGET
 *   {"event":"overrun","t":...}                   notifications lost; the set was re-dumped
 *   {"event":"final","t":...,"count":N,"overruns":K,"notifications":M}   on stdin EOF or SIGTERM
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROTOS 8
#define RECV_BUF (1 << 20)

static int protos[MAX_PROTOS];
static int nprotos;

/* ---- a set of 64-bit keys: open addressing, linear probing, backward-shift deletion ---- */

static uint64_t *slots;
static size_t cap;
static size_t used;

static size_t slot_of(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k & (cap - 1);
}

static void set_init(size_t c)
{
	cap = c;
	used = 0;
	free(slots);
	slots = calloc(cap, sizeof(uint64_t));
	if (!slots) {
		perror("calloc");
		exit(1);
	}
}

static void set_add(uint64_t k);

static void grow(void)
{
	uint64_t *old = slots;
	size_t oldcap = cap;
	slots = NULL;
	set_init(oldcap * 2);
	for (size_t i = 0; i < oldcap; i++)
		if (old[i]) set_add(old[i]);
	free(old);
}

static void set_add(uint64_t k)
{
	if ((used + 1) * 2 > cap) grow();
	size_t i = slot_of(k);
	while (slots[i]) {
		if (slots[i] == k) return;
		i = (i + 1) & (cap - 1);
	}
	slots[i] = k;
	used++;
}

static void set_del(uint64_t k)
{
	size_t i = slot_of(k);
	while (slots[i] && slots[i] != k) i = (i + 1) & (cap - 1);
	if (!slots[i]) return;
	slots[i] = 0;
	used--;
	size_t j = i;
	for (;;) {
		j = (j + 1) & (cap - 1);
		if (!slots[j]) break;
		size_t home = slot_of(slots[j]);
		/* move slots[j] into the hole at i unless its home lies cyclically in (i, j] */
		int stays = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			slots[i] = slots[j];
			slots[j] = 0;
			i = j;
		}
	}
}

/* ---- netlink ---- */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int wanted_proto(int p)
{
	for (int i = 0; i < nprotos; i++)
		if (protos[i] == p) return 1;
	return 0;
}

/* Applies one route message to the set. */
static void apply(struct nlmsghdr *h)
{
	if (h->nlmsg_type != RTM_NEWROUTE && h->nlmsg_type != RTM_DELROUTE) return;
	struct rtmsg *rt = NLMSG_DATA(h);
	if (rt->rtm_family != AF_INET || !wanted_proto(rt->rtm_protocol)) return;
	uint32_t table = rt->rtm_table;
	uint32_t dst = 0;
	int len = (int)RTM_PAYLOAD(h);
	for (struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_TABLE) memcpy(&table, RTA_DATA(a), 4);
		else if (a->rta_type == RTA_DST) memcpy(&dst, RTA_DATA(a), 4);
	}
	if (table != RT_TABLE_MAIN) return;
	uint64_t key = ((uint64_t)dst << 8 | rt->rtm_dst_len) + 1;
	if (h->nlmsg_type == RTM_NEWROUTE) set_add(key);
	else set_del(key);
}

static char *buf;

/* Dumps the IPv4 routes into the (cleared) set. Returns 0, or -1 on error. */
static int dump(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) return -1;
	struct {
		struct nlmsghdr h;
		struct rtmsg r;
	} req;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = RTM_GETROUTE;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = 1;
	req.r.rtm_family = AF_INET;
	if (send(fd, &req, sizeof(req), 0) < 0) {
		close(fd);
		return -1;
	}
	set_init(cap < 1024 ? 1024 : cap);
	for (;;) {
		ssize_t n = recv(fd, buf, RECV_BUF, 0);
		if (n < 0) {
			if (errno == EINTR) continue;
			close(fd);
			return -1;
		}
		int left = (int)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				close(fd);
				return 0;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				close(fd);
				return -1;
			}
			apply(h);
		}
	}
}

static volatile sig_atomic_t stop;
static void on_signal(int s)
{
	(void)s;
	stop = 1;
}

static void parse_protos(const char *s)
{
	char *copy = strdup(s);
	for (char *tok = strtok(copy, ","); tok && nprotos < MAX_PROTOS; tok = strtok(NULL, ","))
		protos[nprotos++] = atoi(tok);
	free(copy);
}

int main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "watch") == 0 && argc != 4) ||
	    (strcmp(argv[1], "watch") != 0 && strcmp(argv[1], "count") != 0)) {
		fprintf(stderr, "usage: %s watch PROTOS TARGET | count PROTOS\n", argv[0]);
		return 2;
	}
	parse_protos(argv[2]);
	buf = malloc(RECV_BUF);
	set_init(1 << 16);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (strcmp(argv[1], "count") == 0) {
		if (dump() < 0) {
			perror("dump");
			return 1;
		}
		printf("{\"event\":\"count\",\"t\":%.3f,\"count\":%zu}\n", now_ms(), used);
		return 0;
	}

	size_t target = (size_t)atol(argv[3]);
	size_t step = target / 10 ? target / 10 : 1;
	size_t next_progress = step;
	int completed = 0;
	long overruns = 0;
	long notifications = 0;

	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	int size = 512 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	struct sockaddr_nl sa;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_IPV4_ROUTE;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("bind");
		return 1;
	}
	if (dump() < 0) {
		perror("dump");
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("{\"event\":\"ready\",\"t\":%.3f,\"count\":%zu}\n", now_ms(), used);

	struct pollfd pfd[2] = {{.fd = fd, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
	while (!stop) {
		int r = poll(pfd, 2, 200);
		if (r < 0) {
			if (errno == EINTR) continue;
			perror("poll");
			return 1;
		}
		if (pfd[1].revents & (POLLIN | POLLHUP)) {
			char c[256];
			ssize_t n = read(0, c, sizeof(c));
			if (n <= 0) break;
		}
		if (!(pfd[0].revents & POLLIN)) continue;
		for (;;) {
			ssize_t n = recv(fd, buf, RECV_BUF, 0);
			if (n < 0) {
				if (errno == EINTR) continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK) break;
				if (errno == ENOBUFS) {
					overruns++;
					printf("{\"event\":\"overrun\",\"t\":%.3f}\n", now_ms());
					if (dump() < 0) {
						perror("dump");
						return 1;
					}
					continue;
				}
				perror("recv");
				return 1;
			}
			int left = (int)n;
			for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left);
			     h = NLMSG_NEXT(h, left)) {
				notifications++;
				apply(h);
			}
			while (used >= next_progress && next_progress < target) {
				printf("{\"event\":\"progress\",\"t\":%.3f,\"count\":%zu}\n", now_ms(), used);
				next_progress += step;
			}
			if (!completed && used >= target) {
				completed = 1;
				printf("{\"event\":\"complete\",\"t\":%.3f,\"count\":%zu}\n", now_ms(), used);
			}
		}
	}
	printf("{\"event\":\"final\",\"t\":%.3f,\"count\":%zu,\"overruns\":%ld,\"notifications\":%ld}\n",
	       now_ms(), used, overruns, notifications);
	return 0;
}
