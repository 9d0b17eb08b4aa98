/**
 * Exit statuses of `wren run`, documented in docs/operations.md. Stable: scripts and
 * supervisors (systemd `RestartPreventExitStatus=`, containerlab exec checks) rely on them.
 */
export const EXIT = {
  /** Stopped on request (SIGTERM/SIGINT), graceful or withdraw-and-clean. */
  ok: 0,
  /** Unexpected internal error (a bug): the log has the stack. */
  internal: 1,
  /** Bad command line. */
  usage: 2,
  /** Datastore missing or unreadable, invalid configuration at start, node not in the datastore. */
  config: 3,
  /** Not root / missing CAP_NET_ADMIN or CAP_NET_BIND_SERVICE. */
  permission: 4,
  /** An address is taken: BGP port, HTTP port, or the control socket of a running wren. */
  addressInUse: 5,
  /** The kernel interface (rtnetlink) is unavailable or refused the initial programming. */
  dataplane: 6,
  /** A second SIGTERM/SIGINT during a graceful stop: exited at once, state as it was. */
  forced: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
