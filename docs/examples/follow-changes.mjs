// Follows an org's changes live over graphql-ws, resuming from the last change applied after any disconnect.
// Run: ORGGRAPH_URL=https://orggraph.example/graphql TOKEN=... node follow-changes.mjs   (npm install graphql-ws ws)
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const url = process.env.ORGGRAPH_URL.replace(/^http/, 'ws');
const headers = { authorization: `Bearer ${process.env.TOKEN}`, 'content-type': 'application/json' };
const FOLLOW = 'subscription ($after: String) { orgEvents(after: $after) { id type objectType objectId changedFields details } }';

// Starting from nothing: take syncCursor BEFORE reading the directory (members, departments...), then follow from it.
let last = process.env.AFTER; // in production: the id of the last change you applied, stored with it
if (!last) {
  const answer = await fetch(process.env.ORGGRAPH_URL, { method: 'POST', headers, body: JSON.stringify({ query: '{ syncCursor }' }) });
  last = (await answer.json()).data.syncCursor;
  console.log(JSON.stringify({ syncCursor: last })); // ...read the directory here...
}
const ws = createClient({ url, webSocketImpl: WebSocket, connectionParams: { authorization: headers.authorization }, retryAttempts: Infinity });
for (;;) {
  try {
    for await (const { data } of ws.iterate({ query: FOLLOW, variables: { after: last } })) {
      console.log(JSON.stringify(data.orgEvents)); // apply it (idempotently, by objectId), then store its id
      last = data.orgEvents.id;
    }
  } catch (error) {
    await new Promise((resolve) => setTimeout(resolve, 1000)); // subscribe again from `last`: nothing is lost
  }
}
