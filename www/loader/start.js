// Starts loading, last: every guard above is in place before anything can answer.
load(0);
