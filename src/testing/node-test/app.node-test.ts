// Run by node's own test runner (`node --import tsx --test`), to prove the testing entry works
// outside vitest. src/testing/node-test.test.ts runs it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestClient } from 'fastcgi-fetch/testing';

test('a handler answers through createTestClient under node:test', async () => {
  const client = createTestClient((request) => new Response(`hi ${new URL(request.url).searchParams.get('name')}`));
  const response = await client.fetch('/greet?name=node');
  assert.equal(response.status, 200);
  assert.equal(await response.text(), 'hi node');
  await client.close();
});

test('STDERR lines are visible under node:test', async () => {
  const client = createTestClient((_request, context) => {
    context.log('from the app');
    return new Response('ok');
  });
  const { response, completed } = await client.request('/');
  assert.equal(await response.text(), 'ok');
  assert.deepEqual((await completed).stderr, ['from the app']);
  await client.close();
});
