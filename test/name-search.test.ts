/**
 * Issue 14's search and reading order on the real PostgreSQL (an in-process gateway); `name-search-embedded.test.ts`
 * runs the same scenario on the embedded database.
 */
import { startTestGateway } from './support/gateway';
import { describeNameSearch } from './support/name-search';

describeNameSearch('PostgreSQL', async () => (await startTestGateway()).url);
