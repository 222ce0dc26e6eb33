// Single-file components, for the TypeScript modules that import them (the SFCs themselves are
// compiled by Vite's Vue plugin).
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
