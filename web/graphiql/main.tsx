import { createGraphiQLFetcher, type Fetcher, type FetcherOpts, type FetcherParams } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import './page.css';
import { getOperationAST } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { createRoot } from 'react-dom/client';

/** The page is served at the GraphQL endpoint itself: GraphQL over HTTP and graphql-ws on the same URL. */
const httpUrl = new URL(location.pathname, location.origin).toString();
const wsUrl = httpUrl.replace(/^http/, 'ws');

const httpFetcher = createGraphiQLFetcher({ url: httpUrl });

/**
 * One graphql-ws client per token: the gateway reads the token from `connection_init` (`{ authorization }`), not from
 * each subscribe, so a token typed into the headers editor replaces the connection.
 */
let socket: { authorization: string | undefined; client: Client } | null = null;

function wsClientFor(headers: Record<string, unknown> | undefined): Client {
  const entry = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization');
  const authorization = typeof entry?.[1] === 'string' ? entry[1] : undefined;
  if (!socket || socket.authorization !== authorization) {
    void socket?.client.dispose();
    socket = { authorization, client: createClient({ url: wsUrl, connectionParams: authorization ? { authorization } : {} }) };
  }
  return socket.client;
}

const fetcher: Fetcher = (params: FetcherParams, options?: FetcherOpts) => {
  const operation = options?.documentAST ? getOperationAST(options.documentAST, params.operationName ?? undefined) : null;
  if (operation?.operation === 'subscription') {
    return createGraphiQLFetcher({ url: httpUrl, wsClient: wsClientFor(options?.headers) })(params, options);
  }
  return httpFetcher(params, options);
};

const defaultQuery = `# Orggraph explorer
#
# Sign in with the logIn (or signUp) mutation, then
# put its token into the Headers tab below:
#   { "Authorization": "Bearer <token>" }
# Queries and mutations go over HTTP, subscriptions
# over graphql-ws, with the same token.

query Viewer {
  viewer {
    user { id }
    org { id name }
  }
}
`;

createRoot(document.getElementById('graphiql')!).render(
  <GraphiQL fetcher={fetcher} defaultQuery={defaultQuery} defaultHeaders={'{\n  "Authorization": ""\n}'} shouldPersistHeaders={false} />,
);
