// What a Node.js built-in module exports, in the playground's browser bundle: every name the real
// module has (scripts/bundle.mjs lists them), each a function that throws when called. The page's
// run (random weights and input from --seed, on one thread) calls none of them; a call is a bug,
// reported as such. Two are real: the page has one thread for the engine, and commander's Command
// is an EventEmitter.
export const unavailable = (name) => () => {
  throw new Error(`${name} is not available in the page`);
};

export const availableParallelism = () => 1;

export class EventEmitter {
  #listeners = new Map();
  on(event, fn) {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), fn]);
    return this;
  }
  addListener(event, fn) {
    return this.on(event, fn);
  }
  once(event, fn) {
    const once = (...args) => {
      this.removeListener(event, once);
      fn.apply(this, args);
    };
    return this.on(event, once);
  }
  removeListener(event, fn) {
    this.#listeners.set(event, (this.#listeners.get(event) ?? []).filter((f) => f !== fn));
    return this;
  }
  off(event, fn) {
    return this.removeListener(event, fn);
  }
  emit(event, ...args) {
    const fns = this.#listeners.get(event) ?? [];
    for (const fn of fns) fn.apply(this, args);
    return fns.length > 0;
  }
  listenerCount(event) {
    return (this.#listeners.get(event) ?? []).length;
  }
  listeners(event) {
    return [...(this.#listeners.get(event) ?? [])];
  }
}
