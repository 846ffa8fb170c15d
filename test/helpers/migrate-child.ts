// Opens (and so migrates) the store at argv[2]; used by the concurrent-migration test.
import { createStorage } from '../../src/create-storage.js';

const store = await createStorage(process.argv[2] as string);
await store.close();
