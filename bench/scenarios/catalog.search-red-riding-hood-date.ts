import { HACKLOAD_DATE, searchScenario } from './catalog.events-list.ts';

export default searchScenario('catalog.search-red-riding-hood-date', 'Красная шапочка', HACKLOAD_DATE);
