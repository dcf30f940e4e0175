// A webhook receiver for Orggraph: verifies each delivery's signature, drops duplicates, applies events in order.
// Run: WEBHOOK_SECRET=whsec_... PORT=8080 node webhook-receiver.mjs   (npm install standardwebhooks)
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const webhook = new Webhook(process.env.WEBHOOK_SECRET);
const seen = new Set(); // in production: a table with a unique key on the webhook-id, written with your change

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    let event;
    try {
      event = webhook.verify(body, req.headers); // checks webhook-signature and that webhook-timestamp is recent
    } catch {
      res.writeHead(400).end('bad signature');
      return;
    }
    const id = req.headers['webhook-id'];
    if (!seen.has(id)) {
      seen.add(id);
      console.log(JSON.stringify({ id, type: event.type, cursor: event.data.id, data: event.data }));
    }
    res.writeHead(204).end(); // answer 2xx quickly; a slow or failing answer is retried later
  });
});
server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => console.log(`listening ${server.address().port}`));
