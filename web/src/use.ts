// Small composables the screens share: load data with its error, submit an action with a busy flag,
// a clock that ticks for live displays, a list whose filters and page live in the address.
import { onMounted, onUnmounted, ref, watch, type Ref } from 'vue';
import { useRoute, useRouter } from 'vue-router';

export function useLoad<T>(loader: () => Promise<T>): {
  data: Ref<T | null>;
  error: Ref<unknown>;
  loading: Ref<boolean>;
  reload: () => Promise<void>;
  set: (value: T) => void;
} {
  const data = ref<T | null>(null) as Ref<T | null>;
  const error = ref<unknown>(null);
  const loading = ref(false);
  // Only the latest load may land: a slow earlier one (the unfiltered list of a tab just opened)
  // answering after a later one (the search) would otherwise show rows the filters exclude.
  let latest = 0;
  async function reload() {
    const mine = ++latest;
    loading.value = true;
    try {
      const got = await loader();
      if (mine !== latest) return;
      data.value = got;
      error.value = null;
    } catch (err) {
      if (mine !== latest) return;
      error.value = err;
    } finally {
      if (mine === latest) loading.value = false;
    }
  }
  /**
   * An action's answer as the data (the record after the action): it retires every load still in
   * flight, which was asked before the action and would otherwise land after it with the record
   * from before.
   */
  function set(value: T) {
    latest += 1;
    data.value = value;
    error.value = null;
    loading.value = false;
  }
  return { data, error, loading, reload, set };
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

/**
 * A list whose filters and page live in the address, so a filtered list is linkable and the back
 * button works: the filter `form` follows the address, the list is loaded (given the page) whenever
 * the address changes while the screen's route `name` is shown (and `enabled`, if given), and
 * apply / reset / goPage move the address. `clean` tidies each value before it goes in the address.
 */
export function useAddressList<F extends Record<string, string>, T>(
  name: string,
  form: F,
  loader: (page: number) => Promise<T>,
  opts: { enabled?: () => boolean; clean?: (value: string) => string } = {},
): { list: ReturnType<typeof useLoad<T>>; page: () => number; apply: () => Promise<void>; reset: () => Promise<void>; goPage: (p: number) => Promise<void> } {
  const route = useRoute();
  const router = useRouter();
  const page = () => Number(route.query.page ?? 1) || 1;
  const list = useLoad(() => loader(page()));
  watch(
    () => route.fullPath,
    async () => {
      if (route.name !== name || (opts.enabled && !opts.enabled())) return;
      for (const k of Object.keys(form) as Array<keyof F & string>) {
        const v = route.query[k];
        form[k] = (typeof v === 'string' ? v : '') as F[keyof F & string];
      }
      await list.reload();
    },
    { immediate: true },
  );
  const clean = opts.clean ?? ((v: string) => v);
  return {
    list,
    page,
    async apply() {
      const filled: Record<string, string> = {};
      for (const [k, v] of Object.entries(form)) {
        const value = clean(v);
        if (value !== '') filled[k] = value;
      }
      await router.push({ name, query: filled });
    },
    async reset() {
      await router.push({ name });
    },
    async goPage(p: number) {
      await router.push({ name, query: { ...route.query, page: String(p) } });
    },
  };
}
