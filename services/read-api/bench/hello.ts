/** The reference server of `pnpm bench:reads`: Fastify answering a small JSON document. */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
const address = app.server.address();
process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
