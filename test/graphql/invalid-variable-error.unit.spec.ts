import { buildSchema, graphql, GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { invalidVariableError } from '../../src/graphql/errors.js';

const schema = buildSchema(`
  enum Cloud { AWS GCP }
  input Filters { clouds: [Cloud!], productId: String }
  input Input { url: String!, filters: Filters! }
  type Query { ok: Boolean }
  type Mutation { create(input: Input!): Boolean }
`);

async function variableError(variables: Record<string, unknown>): Promise<GraphQLError> {
  const result = await graphql({ schema, source: 'mutation($input: Input!) { create(input: $input) }', variableValues: variables });
  const error = result.errors?.[0];
  if (!error) throw new Error('expected an error');
  return error;
}

describe('invalidVariableError', () => {
  it.each([
    [{ input: { url: 'https://x' } }, 'input.filters', 'was not provided'],
    [{ input: { url: 'https://x', filters: null } }, 'input.filters', 'not to be null'],
    [{ input: { url: 'https://x', filters: { clouds: ['AWS', 'MARS'] } } }, 'input.filters.clouds.1', 'does not exist in "Cloud" enum'],
    [{ input: { url: 'https://x', filters: { cloud: 'AWS' } } }, 'input.filters.cloud', 'is not defined by type'],
    [{ input: 'text; at "input.url"' }, 'input', 'to be an object'],
    [{}, 'input', 'was not provided'],
  ])('names the field of %j', async (variables, field, reason) => {
    const mapped = invalidVariableError(await variableError(variables));
    expect(mapped?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(mapped?.message).toContain(reason);
    expect(mapped?.message.startsWith(`${field}: `)).toBe(true);
  });

  it('leaves the value out of the message, since it may hold a secret', async () => {
    const error = await variableError({ input: { url: 'https://x', password: 's3cret-value', filters: { clouds: ['AWS'] } } });
    expect(error.message).toContain('s3cret-value');
    expect(invalidVariableError(error)?.message).not.toContain('s3cret-value');
    expect(invalidVariableError(error)?.extensions['field']).toBe('input.password');
  });

  it('leaves other errors alone', () => {
    expect(invalidVariableError(new GraphQLError('Cannot query field "x" on type "Query".'))).toBeUndefined();
  });
});
