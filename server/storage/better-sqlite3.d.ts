// better-sqlite3 13 ships no type declarations and @types/better-sqlite3 is not a dependency; its API is
// the one better-sqlite3-multiple-ciphers (a fork, typed) declares, so reuse those declarations.
declare module 'better-sqlite3' {
  import Database from 'better-sqlite3-multiple-ciphers';
  export default Database;
}
