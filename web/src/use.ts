// Small composables the screens share: load data with its error, submit an action with a busy flag.
import { ref, type Ref } from 'vue';

export function useLoad<T>(loader: () => Promise<T>): { data: Ref<T | null>; error: Ref<unknown>; loading: Ref<boolean>; reload: () => Promise<void> } {
  const data = ref<T | null>(null) as Ref<T | null>;
  const error = ref<unknown>(null);
  const loading = ref(false);
  async function reload() {
    loading.value = true;
    try {
      data.value = await loader();
      error.value = null;
    } catch (err) {
      error.value = err;
    } finally {
      loading.value = false;
    }
  }
  return { data, error, loading, reload };
}

export function useAction(): { busy: Ref<boolean>; error: Ref<unknown>; run: (fn: () => Promise<unknown>) => Promise<boolean> } {
  const busy = ref(false);
  const error = ref<unknown>(null);
  async function run(fn: () => Promise<unknown>): Promise<boolean> {
    busy.value = true;
    error.value = null;
    try {
      await fn();
      return true;
    } catch (err) {
      error.value = err;
      return false;
    } finally {
      busy.value = false;
    }
  }
  return { busy, error, run };
}
