import {
  createServer,
  ServerResponse,
  type IncomingMessage,
  type OutgoingHttpHeader,
  type OutgoingHttpHeaders,
  type Server,
} from 'node:http';
import type { ServerLimits } from './config.js';

export interface HttpServer {
  server: Server;
  /** Requests whose answers are not finished. */
  readonly inFlight: number;
  /** From now on every answer closes its connection, so no keep-alive socket outlives a shutdown. */
  stopping(): void;
}

/**
 * The gateway's HTTP server, with bounds on what a client may hold: the time to send its headers
 * and its whole request, idle keep-alive, and the number of connections. Node checks the first two
 * only every `connectionsCheckingInterval` (30 s by default), so the check runs at a fraction of the
 * headers bound and a client dripping its headers a byte at a time is cut close to it.
 */
/** A request handler; graphql-yoga's answers every request itself, so its promise never rejects. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

export function createHttpServer(handler: Handler, limits: ServerLimits): HttpServer {
  let stopping = false;
  let inFlight = 0;
  // Decided as the head is written rather than by keeping a set of the responses in flight: a Set
  // that every request enters and leaves kept its responses alive into V8's old generation (about
  // 5 KB a request promoted, and a full collection every few hundred ms under load).
  class StopAwareResponse extends ServerResponse<IncomingMessage> {
    override writeHead(statusCode: number, statusMessage?: string, headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this;
    override writeHead(statusCode: number, headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this;
    override writeHead(statusCode: number, ...rest: unknown[]): this {
      if (stopping) this.setHeader('connection', 'close');
      // Passed on as received: Node tells the two forms apart by the type of the second argument.
      return super.writeHead(statusCode, ...(rest as [string | undefined, OutgoingHttpHeaders | undefined]));
    }
  }
  const server = createServer(
    {
      ServerResponse: StopAwareResponse,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    (req, res) => void handler(req, res),
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  server.on('request', (_req, res) => {
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
    });
  });
  return {
    server,
    get inFlight() {
      return inFlight;
    },
    stopping() {
      stopping = true;
    },
  };
}
