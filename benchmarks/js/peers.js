// Loads the Node.js peers installed for the test suite (tests/js/node_modules),
// so that the benchmarks need no npm project of their own.
'use strict';
const path = require('path');
const { createRequire } = require('module');

module.exports = createRequire(path.join(__dirname, '..', '..', 'tests', 'js', 'package.json'));
