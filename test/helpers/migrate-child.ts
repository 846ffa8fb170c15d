// Opens (and so migrates) the store AGENT_STORAGE_URL names; used by the concurrent-migration
// test. The URL comes in the environment: a process's arguments are anyone's to read.
import { createStorage } from '../../src/create-storage.js';

const store = await createStorage(process.env.AGENT_STORAGE_URL as string);
await store.close();
