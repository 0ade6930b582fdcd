import type { FastifyRequest } from 'fastify';
import t from 'tap';
import { linkTo, pageUrl } from '../src/links.ts';

/** The parts of a request a link is made of. */
const request = (url: string) => ({ url, protocol: 'http', host: '127.0.0.1:3001' }) as FastifyRequest;
const BASE = 'http://127.0.0.1:3001/api/v1/publisher/publishing-records/';

t.test('linkTo keeps the other parameters, replaces the named ones and puts them last', async (t) => {
  t.equal(
    linkTo(request('/api/v1/publisher/publishing-records/?cursor=old&page_size=5&status=pending,failed'), {
      cursor: 'next-1',
    }),
    `${BASE}?page_size=5&status=pending%2Cfailed&cursor=next-1`,
    'the query re-encoded as a form, the replaced cursor last',
  );
  t.equal(
    linkTo(request('/api/v1/publisher/publishing-records/?page=3&cursor=a&cursor=b'), { cursor: null, page: 4 }),
    `${BASE}?page=4`,
    'null removes every copy of a parameter',
  );
  t.equal(linkTo(request('/api/v1/publisher/publishing-records/?cursor=a'), { cursor: null }), BASE, 'no empty ?');
  t.equal(linkTo(request('/api/v1/publisher/publishing-records/'), { page: 2 }), `${BASE}?page=2`, 'no query yet');
  t.equal(
    linkTo(request('/api/v1/publisher/publishing-records/?q=a?b&name=J%C3%BCrgen+B&x=%3D'), { page: 2 }),
    `${BASE}?q=a%3Fb&name=J%C3%BCrgen+B&x=%3D&page=2`,
    'a ? inside the query, percent-escapes and + are kept as values',
  );
  t.equal(
    linkTo(request('/api/v1/publisher/audit/events?actor=ann'), { cursor: 'x y/z' }),
    'http://127.0.0.1:3001/api/v1/publisher/audit/events?actor=ann&cursor=x+y%2Fz',
    'new values are encoded',
  );
});

t.test('pageUrl: a cursor link drops the page number, a page link the cursor; null stays null', async (t) => {
  const r = request('/api/v1/publisher/publishing-records/?page=2&cursor=c&page_size=5');
  t.equal(pageUrl(r, { cursor: 'n' }), `${BASE}?page_size=5&cursor=n`);
  t.equal(pageUrl(r, { page: 3 }), `${BASE}?page_size=5&page=3`);
  t.equal(pageUrl(r, null), null);
});
