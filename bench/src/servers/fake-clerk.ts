// The fake Clerk Backend API in its own process, so serving pages does not share a CPU core's event
// loop with the backfill under test.
import { FakeClerk } from '@clerk-sync/testkit';

const fake = new FakeClerk({ rateLimit: 'production' });
fake.seed({ users: Number(process.env.USERS ?? 1000) });
const url = await fake.start();
console.log(JSON.stringify({ url, secretKey: fake.secretKey }));
process.on('SIGTERM', () => fake.close().then(() => process.exit(0)));
