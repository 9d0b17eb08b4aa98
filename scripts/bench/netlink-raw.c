/*
 * netlink-raw: the reference for scripts/bench/netlink.bench.mjs — the fastest simple way to
 * install or remove N IPv4 routes through rtnetlink from one socket: RTM_NEWROUTE/RTM_DELROUTE
 * messages packed 256 to a sendmsg, no NLM_F_ACK except on the last message of each batch (the
 * kernel still answers every failure), the answers read before the next batch. Built with the
 * machine's cc at bench time; run inside the benchmark's network namespace.
 *
 *   netlink-raw add|del COUNT IFINDEX
 *
 * Route i is (100 + i/65536).(i/256 % 256).(i % 256).0/24 via 192.0.2.1 dev IFINDEX proto bird.
 * Prints one JSON line: {"mode":"add","routes":N,"seconds":S,"cpu":C,"errors":E} (cpu: user +
 * system seconds of the whole run, from getrusage).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 256
#define MSG_SPACE 64

static void add_attr(struct nlmsghdr *h, int type, const void *data, int len)
{
	struct rtattr *rta = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s add|del COUNT IFINDEX\n", argv[0]);
		return 2;
	}
	int add = strcmp(argv[1], "add") == 0;
	long count = atol(argv[2]);
	uint32_t ifindex = (uint32_t)atol(argv[3]);

	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	int size = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
		perror("bind");
		return 1;
	}

	static char buf[BATCH * MSG_SPACE];
	static char rbuf[1 << 16];
	struct in_addr gw;
	inet_pton(AF_INET, "192.0.2.1", &gw);
	uint32_t seq = 1;
	long errors = 0;
	double t0 = now();
	for (long start = 0; start < count; start += BATCH) {
		long n = count - start < BATCH ? count - start : BATCH;
		size_t off = 0;
		for (long k = 0; k < n; k++) {
			long i = start + k;
			struct nlmsghdr *h = (struct nlmsghdr *)(buf + off);
			memset(h, 0, MSG_SPACE);
			h->nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
			h->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
			h->nlmsg_flags = NLM_F_REQUEST | (add ? NLM_F_CREATE | NLM_F_EXCL : 0) |
					 (k == n - 1 ? NLM_F_ACK : 0);
			h->nlmsg_seq = seq++;
			struct rtmsg *rt = NLMSG_DATA(h);
			rt->rtm_family = AF_INET;
			rt->rtm_dst_len = 24;
			rt->rtm_table = RT_TABLE_MAIN;
			rt->rtm_protocol = 12; /* RTPROT_BIRD */
			rt->rtm_scope = add ? RT_SCOPE_UNIVERSE : RT_SCOPE_NOWHERE;
			rt->rtm_type = add ? RTN_UNICAST : RTN_UNSPEC;
			uint8_t dst[4] = { (uint8_t)(100 + (i >> 16)), (uint8_t)(i >> 8), (uint8_t)i, 0 };
			add_attr(h, RTA_DST, dst, 4);
			if (add) {
				add_attr(h, RTA_GATEWAY, &gw, 4);
				add_attr(h, RTA_OIF, &ifindex, 4);
			}
			off += NLMSG_ALIGN(h->nlmsg_len);
		}
		if (send(fd, buf, off, 0) < 0) {
			perror("send");
			return 1;
		}
		uint32_t fence = seq - 1;
		int done = 0;
		while (!done) {
			ssize_t len = recv(fd, rbuf, sizeof(rbuf), 0);
			if (len < 0) {
				if (errno == EINTR)
					continue;
				perror("recv");
				return 1;
			}
			for (struct nlmsghdr *h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, (size_t)len);
			     h = NLMSG_NEXT(h, len)) {
				if (h->nlmsg_type != NLMSG_ERROR)
					continue;
				struct nlmsgerr *e = NLMSG_DATA(h);
				if (e->error != 0)
					errors++;
				if (h->nlmsg_seq == fence)
					done = 1;
			}
		}
	}
	double seconds = now() - t0;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
		     ru.ru_stime.tv_usec / 1e6;
	printf("{\"mode\":\"%s\",\"routes\":%ld,\"seconds\":%.6f,\"cpu\":%.6f,\"errors\":%ld}\n",
	       argv[1], count, seconds, cpu, errors);
	close(fd);
	return 0;
}
