// bench:live baseline: a bare `ws` server that forwards the same Redis messages to the client of
// each user — no GraphQL, no authentication, no per-subscription work.
import Redis from 'ioredis';
import { WebSocketServer, type WebSocket } from 'ws';

const port = Number(process.env.PORT ?? 0);
const sockets = new Map<string, WebSocket>();
const wss = new WebSocketServer({ port, host: '127.0.0.1' });
wss.on('connection', (ws, req) => {
  const user = new URL(req.url ?? '/', 'http://x').searchParams.get('user') ?? '';
  sockets.set(user, ws);
  ws.on('close', () => sockets.delete(user));
});
const sub = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
void sub.psubscribe('BALANCE_CHANGED:*');
sub.on('pmessage', (_pattern, channel, message) => {
  sockets.get(channel.slice('BALANCE_CHANGED:'.length))?.send(message);
});
wss.on('listening', () => {
  const address = wss.address();
  process.send?.({ type: 'listening', port: address && typeof address === 'object' ? address.port : port });
});
