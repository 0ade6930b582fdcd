import t from 'tap';
import { startApi } from './helpers.ts';

t.test('OpenAPI document lists every command route with its schemas', async (t) => {
  const api = await startApi(t);
  const res = await api.app.inject({ url: '/docs/json' });
  t.equal(res.statusCode, 200);
  const doc = res.json();
  const paths = Object.keys(doc.paths);
  for (const p of [
    '/api/v1/publisher/publishing-records',
    '/api/v1/publisher/publishing-records/{id}/start',
    '/api/v1/publisher/publishing-records/{id}/succeed',
    '/api/v1/publisher/publishing-records/{id}/fail',
    '/api/v1/publisher/publishing-records/{id}/retry',
    '/api/v1/publisher/publishing-records/{id}',
    '/api/v1/publisher/deployments',
    '/api/v1/publisher/deployments/{id}/start',
    '/api/v1/publisher/deployments/{id}/succeed',
    '/api/v1/publisher/deployments/{id}/fail',
    '/api/v1/publisher/deployments/{id}/rollback',
    '/api/v1/publisher/deployments/{id}/cancel',
    '/api/v1/publisher/deployments/{id}',
    '/api/v1/publisher/deployments/{id}/republish',
    '/api/v1/publisher/publishing-records/{id}/republish',
    '/api/v1/publisher/publishing-records/{id}/redeliver',
    '/api/v1/publisher/publish',
    '/api/v1/publisher/deploy',
  ]) {
    t.ok(paths.includes(p), p);
  }
  const create = doc.paths['/api/v1/publisher/publishing-records'].post;
  t.ok(create.requestBody.content['application/json'].schema.properties.content_id, 'request body schema');
  t.ok(create.responses['201'], 'success response');
  t.ok(create.responses['409'] && create.responses['422'], 'error responses');
  t.ok(
    doc.paths['/api/v1/publisher/publishing-records/{id}'].patch.parameters.some(
      (p: { name: string }) => p.name === 'if-match',
    ),
  );
  const deployment = doc.paths['/api/v1/publisher/deployments/{id}'];
  t.ok(deployment.patch.requestBody.content['application/json'].schema.properties.metadata, 'PATCH body: metadata');
  t.ok(deployment.patch.responses['412'], 'PATCH may answer 412');
  t.ok(
    deployment.get.responses['200'] && deployment.get.responses['304'] && deployment.get.responses['404'],
    'GET: 200, 304, 404',
  );
  t.ok(doc.paths['/api/v1/publisher/publishing-records/{id}'].get, 'GET of a publishing record');
  t.ok(
    doc.paths['/api/v1/publisher/deployments/{id}/cancel'].post.requestBody.content['application/json'].schema
      .properties.reason,
    'cancel takes an optional reason',
  );
  const deployBody = doc.paths['/api/v1/publisher/deploy'].post.requestBody.content['application/json'].schema;
  t.ok(deployBody.properties.account_id, 'creates document account_id');
  t.notOk(deployBody.required?.includes('account_id'), '… as optional');
  for (const p of [
    '/api/v1/publisher/publishing-records/{id}/republish',
    '/api/v1/publisher/publishing-records/{id}/redeliver',
    '/api/v1/publisher/deployments/{id}/republish',
  ]) {
    const redrive = doc.paths[p].post;
    const body = redrive.requestBody.content['application/json'].schema;
    t.same(body.required, ['reason'], `${p}: reason is required`);
    t.ok(body.properties.dry_run && body.properties.reason.maxLength, `${p}: dry_run, bounded reason`);
    t.ok(redrive.responses['202'] && redrive.responses['200'], `${p}: recorded (202) and dry run (200)`);
    t.ok(redrive.responses['403'] && redrive.responses['404'] && redrive.responses['409'], `${p}: refusals`);
    t.ok(redrive.responses['202'].content['application/json'].schema.properties.data.properties.event, p);
  }
  const ui = await api.app.inject({ url: '/docs/' });
  t.equal(ui.statusCode, 200);
  t.match(ui.headers['content-type'], /html/);
});
