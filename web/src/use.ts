// Small composables the screens share: load data with its error, submit an action with a busy flag,
// a clock that ticks for live displays.
import { onMounted, onUnmounted, ref, type Ref } from 'vue';

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

/**
 * The time now, ticking every `periodMs` while the component is mounted: live clocks are computed
 * from it and the data already loaded, so they move each second without asking the server. `skew`
 * (server time minus this browser's, from a response's `now`) keeps them on the server's clock.
 */
export function useNow(periodMs = 1000): { now: Ref<number>; skew: Ref<number>; syncTo: (serverNow: string | undefined) => void } {
  const skew = ref(0);
  const now = ref(Date.now());
  let timer: ReturnType<typeof setInterval> | undefined;
  onMounted(() => {
    timer = setInterval(() => (now.value = Date.now() + skew.value), periodMs);
  });
  onUnmounted(() => clearInterval(timer));
  function syncTo(serverNow: string | undefined) {
    const t = serverNow ? Date.parse(serverNow) : NaN;
    if (!Number.isNaN(t)) skew.value = t - Date.now();
    now.value = Date.now() + skew.value;
  }
  return { now, skew, syncTo };
}
