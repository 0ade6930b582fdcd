import t from 'tap';
import { historySuite } from './history-suite.ts';

// Every read straight from the event store, as with READ_API_STREAM_CACHE_EVENTS=0.
await historySuite(t, { READ_API_STREAM_CACHE_EVENTS: '0' });
