/**
 * One TCP connection of a peer: frames the byte stream into BGP messages with the wire Framer
 * (RFC 4271 §4.1, header checks of §6.1), writes encoded messages, and reports the end of the
 * connection exactly once. Consecutive UPDATEs of one read are handed over as one run (a table
 * load arrives as thousands of them per read), other messages one by one, all in stream order. Closing flushes what was written (a NOTIFICATION must reach the peer),
 * sends FIN, keeps draining input, and destroys the socket when the peer closes or after a linger.
 */
import type { Socket } from "node:net";
import type { Clock, TimerHandle } from "../../common/clock.js";
import { BgpError, Framer, MAX_MESSAGE, MessageType } from "../wire/index.js";
import { socketErrorText } from "./socket-errors.js";

export interface ConnectionHandlers {
  /** Any message but an UPDATE (those come through onUpdates). */
  onMessage(conn: Connection, message: Uint8Array): void;
  /** Consecutive UPDATE messages of one read, in order (never empty). */
  onUpdates(conn: Connection, messages: Uint8Array[]): void;
  onFramingError(conn: Connection, err: BgpError): void;
  /** A bug while handling input (not malformed input): the connection must not take wren down. */
  onInternalError(conn: Connection, err: unknown): void;
  /** The connection ended without us closing it: error text like "Connection reset by peer". */
  onLost(conn: Connection, error: string): void;
  onDrain(conn: Connection): void;
}

const LINGER_MS = 2000;

export class Connection {
  readonly framer = new Framer({ maxMessageLength: MAX_MESSAGE });
  /** No more events go to the handlers (we closed it, or it was reported lost). */
  private done = false;
  private lastError: unknown = null;
  private linger: TimerHandle | null = null;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    private readonly clock: Clock,
    private readonly handlers: ConnectionHandlers,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (err) => {
      this.lastError = err;
    });
    socket.on("close", () => this.onClose());
    socket.on("drain", () => {
      if (!this.done) this.handlers.onDrain(this);
    });
  }

  get open(): boolean {
    return !this.done;
  }

  private onData(chunk: Buffer): void {
    if (this.done) return;
    try {
      this.framer.push(chunk);
      let run: Uint8Array[] | null = null;
      for (;;) {
        if (this.done) return;
        let message: Uint8Array | null;
        try {
          message = this.framer.next();
        } catch (err) {
          // The UPDATEs before a bad header were complete: they go first.
          if (run !== null) this.handlers.onUpdates(this, run);
          throw err;
        }
        if (message === null) break;
        if (message[18] === MessageType.UPDATE) {
          if (run === null) run = [message];
          else run.push(message);
          continue;
        }
        if (run !== null) {
          const updates = run;
          run = null;
          this.handlers.onUpdates(this, updates);
          if (this.done) return;
        }
        this.handlers.onMessage(this, message);
      }
      if (run !== null) this.handlers.onUpdates(this, run);
    } catch (err) {
      if (this.done) return;
      if (err instanceof BgpError) this.handlers.onFramingError(this, err);
      else this.handlers.onInternalError(this, err);
    }
  }

  private onClose(): void {
    this.linger?.cancel();
    if (this.done) return;
    this.done = true;
    this.handlers.onLost(
      this,
      this.lastError ? socketErrorText(this.lastError) : "Connection closed",
    );
  }

  /** Writes a message (or several, concatenated); false when the socket buffer is above its
   *  high-water mark. */
  write(bytes: Uint8Array): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) return false;
    return this.socket.write(bytes);
  }

  /** Whether written data is still waiting in the socket's buffer above the high-water mark. */
  get congested(): boolean {
    return this.socket.writableNeedDrain;
  }

  /** Flushes, sends FIN, and destroys the socket once the peer closed or after a linger. */
  close(): void {
    if (this.done && this.linger) return;
    this.done = true;
    if (this.socket.destroyed) return;
    this.socket.end();
    this.linger = this.clock.setTimer(LINGER_MS, () => this.socket.destroy());
  }

  destroy(): void {
    this.done = true;
    this.linger?.cancel();
    this.socket.destroy();
  }
}
