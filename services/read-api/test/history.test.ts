import t from 'tap';
import { historySuite } from './history-suite.ts';

await historySuite(t, {});
