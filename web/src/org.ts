// Units and people, fetched once per page load (names for ids, choices in forms).
import { ref } from 'vue';
import { get } from './api';

export interface Unit {
  id: string;
  name: string;
  nameEn?: string | null;
  kind: string;
  active: boolean;
}
export interface Person {
  id: string;
  name: string;
  roles?: Array<{ role: string; unitId: string | null }>;
}

const units = ref<Unit[]>([]);
const people = ref<Person[]>([]);
let unitsLoading: Promise<void> | null = null;
let peopleLoading: Promise<void> | null = null;

export function useUnits() {
  unitsLoading ??= get<{ items: Unit[] }>('/api/org/units')
    .then((r) => {
      units.value = r.items;
    })
    .catch(() => {
      unitsLoading = null;
    });
  return units;
}

export function usePeople() {
  peopleLoading ??= get<{ items: Person[] }>('/api/org/people')
    .then((r) => {
      people.value = r.items;
    })
    .catch(() => {
      peopleLoading = null;
    });
  return people;
}

export function personName(id: string | null | undefined): string {
  if (!id) return '';
  return people.value.find((p) => p.id === id)?.name ?? id;
}
