import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import type { GraphQLResponse } from './graphql-client.js';

export type ApiError = NonNullable<GraphQLResponse['errors']>[number];

/** Variables may be left out when the operation needs none. */
type VariablesArgument<TVariables> = Record<string, never> extends TVariables
  ? [variables?: TVariables]
  : [variables: TVariables];

const printed = new WeakMap<object, string>();

function source(document: TypedDocumentNode<unknown, unknown>): string {
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}

/**
 * A GraphQL-over-HTTP client for the typed documents generated from
 * schema/operations (test/generated): the answer's data has the operation's type.
 * `baseUrl` may be a function, for a server that restarts on another port.
 */
export function typedClient(baseUrl: string | (() => string), token?: string) {
  return async function execute<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    ...[variables]: VariablesArgument<TVariables>
  ): Promise<GraphQLResponse<TData>> {
    const url = typeof baseUrl === 'string' ? baseUrl : baseUrl();
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ query: source(document as TypedDocumentNode<unknown, unknown>), variables }),
    });
    return (await response.json()) as GraphQLResponse<TData>;
  };
}

export type TypedClient = ReturnType<typeof typedClient>;

/** The data of an answer that must have succeeded; otherwise fails with the errors it carried. */
export function dataOf<T>(result: GraphQLResponse<T>): T {
  if (result.errors?.length || result.data == null) {
    throw new Error(`expected data, got ${JSON.stringify(result.errors ?? result)}`);
  }
  return result.data;
}

/** The first error of an answer that must have failed. */
export function errorOf(result: GraphQLResponse<unknown>): ApiError {
  const error = result.errors?.[0];
  if (!error) throw new Error(`expected an error, got ${JSON.stringify(result.data)}`);
  return error;
}
