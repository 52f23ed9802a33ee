import { configureLog } from '../../src/log.js';

// The gateway's log lines would fill the test report; a test that reads them sets its own sink.
configureLog({ sink: () => {} });
