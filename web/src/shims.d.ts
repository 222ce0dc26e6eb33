// Single-file components, for the TypeScript modules that import them. `npm run typecheck` runs
// vue-tsc, which checks the SFCs themselves and resolves their imports to the real files.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
