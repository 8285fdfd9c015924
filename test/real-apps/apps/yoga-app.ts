/**
 * A GraphQL Yoga server as in Yoga's guides: queries, a file upload (GraphQL multipart request
 * spec), a subscription over server-sent events, and a resolver that stops when the browser
 * leaves (request cancellation).
 */
import { createSchema, createYoga, useExecutionCancellation, type YogaInitialContext } from 'graphql-yoga';

/** Ids of slow queries whose request was cancelled, as seen by the resolver. */
const cancelled = new Set<string>();

const describeFile = async (file: File) => ({ name: file.name, type: file.type, size: file.size, text: await file.text() });

const schema = createSchema<YogaInitialContext>({
  typeDefs: /* GraphQL */ `
    scalar File
    type FileInfo {
      name: String!
      type: String!
      size: Int!
      text: String!
    }
    type Query {
      hello(name: String): String!
      fail: String
      header(name: String!): String
      slow(id: String!): String
      cancelled(id: String!): Boolean!
    }
    type Mutation {
      readFile(file: File!): FileInfo!
      readFiles(files: [File!]!): [FileInfo!]!
    }
    type Subscription {
      countdown(from: Int!): Int!
    }
  `,
  resolvers: {
    Query: {
      hello: (_, { name }: { name?: string }) => `Hello ${name ?? 'world'}`,
      fail: () => {
        throw new Error('resolver failed');
      },
      header: (_, { name }: { name: string }, { request }) => request.headers.get(name),
      slow: (_, { id }: { id: string }, { request }) =>
        new Promise<string>((resolve) => {
          const timer = setTimeout(() => resolve('finished'), 10_000);
          request.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            cancelled.add(id);
            resolve('cancelled');
          });
        }),
      cancelled: (_, { id }: { id: string }) => cancelled.has(id),
    },
    Mutation: {
      readFile: (_, { file }: { file: File }) => describeFile(file),
      readFiles: (_, { files }: { files: File[] }) => Promise.all(files.map(describeFile)),
    },
    Subscription: {
      countdown: {
        async *subscribe(_, { from }: { from: number }) {
          for (let i = from; i >= 0; i--) {
            await new Promise((resolve) => setTimeout(resolve, 10));
            yield { countdown: i };
          }
        },
      },
    },
  },
});

const yoga = createYoga({ schema, plugins: [useExecutionCancellation()], landingPage: false, logging: false });

export default yoga;
