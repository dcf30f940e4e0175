import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';

export interface GraphQLResult<T> {
  data?: T | null;
  errors?: GraphQLFormattedError[];
  extensions?: Record<string, unknown>;
  status: number;
}

/** A GraphQL-over-HTTP client, as web and mobile clients call the gateway. */
export class GraphQLClient {
  constructor(readonly url: string, public token?: string, readonly headers: Record<string, string> = {}) {}

  as(token: string | undefined): GraphQLClient {
    return new GraphQLClient(this.url, token, this.headers);
  }

  /** The same client sending these headers too (e.g. `accept-language`). */
  withHeaders(headers: Record<string, string>): GraphQLClient {
    return new GraphQLClient(this.url, this.token, { ...this.headers, ...headers });
  }

  async request<T, V>(document: TypedDocumentNode<T, V>, ...[variables]: V extends Record<string, never> ? [] | [V] : [V]): Promise<GraphQLResult<T>> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.headers, ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
      body: JSON.stringify({ query: print(document), variables }),
    });
    return { ...((await response.json()) as Omit<GraphQLResult<T>, 'status'>), status: response.status };
  }

  /** Like `request`, but fails the test on any GraphQL error and returns `data`. */
  async ok<T, V>(document: TypedDocumentNode<T, V>, ...variables: V extends Record<string, never> ? [] | [V] : [V]): Promise<T> {
    const result = await this.request(document, ...variables);
    if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
    return result.data;
  }
}

/** The `extensions.code` of the first error, for asserting refusals. */
export function errorCode(result: GraphQLResult<unknown>): string | undefined {
  return result.errors?.[0]?.extensions?.code as string | undefined;
}
