// Polls an org's changes feed: every change once, in order, from a syncCursor taken before reading the directory.
// Run: ORGGRAPH_URL=https://orggraph.example/graphql TOKEN=... node poll-changes.mjs   (Node 20+, no dependency)
const headers = { authorization: `Bearer ${process.env.TOKEN}`, 'content-type': 'application/json' };
const POLL = `query ($after: String) {
  orgChanges(first: 100, after: $after) { changes { id type objectType objectId changedFields details } endCursor hasMore }
}`;
const graphql = async (query, variables) => {
  const answer = await fetch(process.env.ORGGRAPH_URL, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  if (answer.status === 429) return { retryAfter: Number(answer.headers.get('retry-after') ?? 60) };
  const { data, errors } = await answer.json();
  if (errors) throw new Error(errors[0].message);
  return data;
};

// Starting from nothing: take syncCursor BEFORE reading the directory (members, departments...), then follow from it.
let cursor = process.env.AFTER; // in production: the endCursor stored after the last page you applied
if (!cursor) {
  cursor = (await graphql('{ syncCursor }')).syncCursor;
  console.log(JSON.stringify({ syncCursor: cursor })); // ...read the directory here...
}
for (;;) {
  const page = await graphql(POLL, { after: cursor });
  if (page.retryAfter) {
    await new Promise((resolve) => setTimeout(resolve, page.retryAfter * 1000)); // over the rate limit: wait as told
    continue;
  }
  for (const change of page.orgChanges.changes) console.log(JSON.stringify(change)); // apply, idempotently
  cursor = page.orgChanges.endCursor; // store it with what you applied
  if (!page.orgChanges.hasMore) await new Promise((resolve) => setTimeout(resolve, Number(process.env.POLL_MS ?? 60_000)));
}
