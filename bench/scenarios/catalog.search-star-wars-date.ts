import { HACKLOAD_DATE, searchScenario } from './catalog.events-list.ts';

export default searchScenario('catalog.search-star-wars-date', 'Экспозиция "Звездные войны"', HACKLOAD_DATE);
